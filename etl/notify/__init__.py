"""Messages to people: reminders by e-mail."""
