"""The WhatsApp channel (Cloud API, on pywa): see handlers/whatsapp/app.py."""
