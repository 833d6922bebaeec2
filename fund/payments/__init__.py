"""Payment channels: card through Stripe and bank transfer with VietQR."""
