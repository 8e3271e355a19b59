"""The one adverse-event engine: every output's AE numbers come from here."""
