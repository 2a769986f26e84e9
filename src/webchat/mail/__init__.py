"""E-mail: what is written (templates) and how it leaves (the outbox sender, SMTP)."""
