"""The browser edge: what every HTTP request and the websocket pass through before Beacon's
routes and states (edge.py wires it: security headers, the same-origin rule, the session cookie)."""
