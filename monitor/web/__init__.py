"""The read-only web view, JSON API, Atom feed and Prometheus metrics (`policy-monitor serve`)."""

from monitor.web.app import create_app, watch_path
from monitor.web.server import BackgroundServer, ListenError, serve

__all__ = ["BackgroundServer", "ListenError", "create_app", "serve", "watch_path"]
