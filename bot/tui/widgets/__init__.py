"""The app's widgets. The chat and the calculator panel own their state and run their own workers;
the rest are given their data and never fetch it."""
