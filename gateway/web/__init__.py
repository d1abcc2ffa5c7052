"""The aiohttp application: middlewares, routes and the start-up story."""
