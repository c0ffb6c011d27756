"""policy-monitor: watch privacy policies, keep every version, alert on changes of substance."""

__version__ = "0.1.0"
