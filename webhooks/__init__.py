"""Webhooks: campaign leads and organisers register HTTPS endpoints; events are delivered
signed as the Standard Webhooks specification says (README, "Webhooks")."""
