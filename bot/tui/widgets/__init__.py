"""The app's widgets: each is given its data by the app and never fetches it."""
