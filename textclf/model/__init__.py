"""The model stage: networks built from their config sections, and the end-to-end model a run saves.

``builders`` holds one builder per ``model.type``; ``head`` decides
everything "two classes, more, or several labels" decides; ``layers``,
``losses``, ``metrics`` and ``optimizers`` are the Keras pieces textclf adds;
``text_model`` is the raw-strings-in model; ``embeddings`` loads pretrained vectors.
"""
