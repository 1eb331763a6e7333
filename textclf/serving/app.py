"""The HTTP routes: /v1/predict, TF Serving's /v1/models/<name>:predict, /health, /v1/metadata, and the page.

Every error is a JSON body ``{"error": "one line"}``: 413 over the limits, 422 for a body that is not the
JSON the route takes, 404 for another model's name. Nothing a client sends can make a 500.

The body classes carry this server's limits, so the routes are defined inside ``create_app`` and their
annotations must be evaluated there: this module does not postpone annotations.
"""

from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.exceptions import HTTPException

from textclf.serving import schemas
from textclf.serving.batching import Batcher
from textclf.serving.served_model import ServedModel, clean
from textclf.serving.settings import Settings
from textclf.version import __version__

ALIAS = "textclf"  # the name /v1/models/<name> answers to besides the run's own


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": " ".join(str(message).split())[:500]}, status_code=status)


def _validation_message(exc: RequestValidationError) -> str:
    """The first problem, where it is: ``texts.0: Input should be a valid string``."""
    first = (exc.errors() or [{"loc": (), "msg": "invalid request"}])[0]
    location = [str(part) for part in first.get("loc", ())]
    if first.get("type") == "json_invalid":
        return f"body: not valid JSON (at character {location[-1]})"
    where = ".".join(location[1:] if location[:1] == ["body"] else location) or "body"
    return f"{where}: {first.get('msg')}"


class JsonBodies:
    """Every request body is read as JSON, whatever its Content-Type: TF Serving reads it so, and its clients
    (and curl's -d) often send none or a form's. Without this, FastAPI would not parse such a body at all."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST":
            headers = [(key, value) for key, value in scope["headers"] if key.lower() != b"content-type"]
            scope = {**scope, "headers": [*headers, (b"content-type", b"application/json")]}
        await self.app(scope, receive, send)


def _http_error(_, exc: HTTPException) -> JSONResponse:
    """HTTP errors as JSON; FastAPI's 400 for a body it cannot decode (not UTF-8) is a 422 like any bad body."""
    if exc.status_code == 400:
        return _error(422, f"body: not valid JSON ({exc.detail})")
    return _error(exc.status_code, exc.detail)


def _add_error_handlers(app: FastAPI, settings: Settings) -> None:
    app.add_exception_handler(RequestValidationError, lambda _, exc: _error(422, _validation_message(exc)))
    app.add_exception_handler(HTTPException, _http_error)

    app.add_middleware(JsonBodies)

    @app.middleware("http")
    async def body_limit(request: Request, call_next):
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > settings.body_limit():
            return _error(413, f"request body of {int(length):,} bytes; at most {settings.body_limit():,}")
        return await call_next(request)


def _checked(texts: list[str], settings: Settings) -> list[str]:
    if len(texts) > settings.max_texts:
        raise HTTPException(413, f"texts: {len(texts):,} texts; at most {settings.max_texts:,} per request")
    for index, text in enumerate(texts):
        if len(text) > settings.max_chars:
            raise HTTPException(413, f"texts.{index}: {len(text):,} characters; at most {settings.max_chars:,}")
    return [clean(text) for text in texts]


def create_app(served: ServedModel, settings: Settings) -> FastAPI:
    """The app of one server process: its model's batcher started and stopped with it, every route, every error."""
    batcher = Batcher(served.probabilities, settings.batch_size, settings.batch_wait_ms / 1000)

    @asynccontextmanager
    async def lifespan(_):
        await batcher.start()
        yield
        await batcher.stop()

    app = FastAPI(title="textclf", version=__version__, lifespan=lifespan,
                  description=f"Text classifier **{served.name}** ({served.metadata['model_type']}): "
                              f"classes {', '.join(served.names)}.")
    _add_error_handlers(app, settings)
    _add_pages(app, served)
    _add_predictions(app, served, batcher, settings)
    return app


def _add_pages(app: FastAPI, served: ServedModel) -> None:
    page = resources.files("textclf.serving").joinpath("page/index.html").read_text(encoding="utf-8")

    @app.get("/", include_in_schema=False)
    async def index() -> HTMLResponse:
        return HTMLResponse(page)

    @app.get("/health", response_model=schemas.Health)
    async def health() -> dict:
        return {"status": "ok", "model": served.name}

    @app.get("/v1/metadata")
    async def metadata() -> dict:
        """Class names, model type, config, test metrics and versions."""
        return served.metadata


def _add_predictions(app: FastAPI, served: ServedModel, batcher: Batcher, settings: Settings) -> None:
    predict_body, instances_body = schemas.with_limits(settings.max_texts, settings.max_chars)

    @app.post("/v1/predict", response_model=schemas.PredictResponse, responses=schemas.ERRORS)
    async def predict(body: predict_body) -> dict:
        """Each text's label, probabilities by class and top classes; with ``explain``, why."""
        texts = _checked(body.texts, settings)
        if body.explain and (refusal := served.explanation_refusal()):
            raise HTTPException(422, refusal)
        probabilities = await batcher.probabilities(texts)
        rows = served.rows(texts, probabilities, body.top_k)
        if body.explain:
            for row, found in zip(rows, await batcher.run(served.explanations, texts, probabilities), strict=True):
                row["explanation"] = found
        return {"model": served.name, "predictions": rows}

    not_found = {404: {"model": schemas.ErrorBody, "description": "No model of that name"}}

    @app.post("/v1/models/{name}:predict", response_model=schemas.RowsResponse, response_model_exclude_none=True,
              responses={**schemas.ERRORS, **not_found})
    async def tf_serving_predict(name: str, body: instances_body) -> dict:
        """TF Serving's REST predict, as for the run's exported SavedModel: existing clients work unchanged."""
        if name not in (served.name, ALIAS):
            raise HTTPException(404, f"model {name!r} not found; this server serves {served.name!r} (or {ALIAS!r})")
        texts = _checked([item if isinstance(item, str) else item.text for item in body.instances], settings)
        return {"predictions": served.tf_serving_rows(await batcher.probabilities(texts))}
