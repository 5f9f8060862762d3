"""The app's screens: the main tabs, the reader, help and the link picker."""
