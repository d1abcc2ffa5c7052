"""The email channel against Dovecot (IMAP) and aiosmtpd (SMTP)."""
