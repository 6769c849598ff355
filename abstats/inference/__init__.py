"""Method-neutral inference: estimates, variances, critical values, intervals, corrections, SRM.

Every method (frequentist, sequential, Bayesian) builds on this layer; none of them
imports another method's engine.
"""
