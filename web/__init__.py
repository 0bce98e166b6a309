"""What people see and change: the record read back (records, exports, review, accuracy, metrics), the
HTTP API over it (app, one router per resource in routers/) and the dashboard (dashboard/)."""
