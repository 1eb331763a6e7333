"""``textclf serve``: a run behind HTTP (FastAPI and uvicorn), with dynamic batching, limits and a web page.

``served_model`` loads the run once; ``batching`` gathers concurrent requests into one model call;
``schemas`` are the request and response bodies (and so the OpenAPI document); ``app`` the routes and
their errors; ``server`` starts uvicorn and refuses what cannot be served in one line.
"""
