"""The explorer: ``tconv serve`` (FastAPI + uvicorn, in the ``web`` extra). Imported only when used."""
