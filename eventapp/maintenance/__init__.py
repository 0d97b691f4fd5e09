"""Jobs that run across domains (from cron, through the CLI): they sit above every domain and only sequence them."""
