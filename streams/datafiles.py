"""Reading claimflow's data files (rule packs, payer profiles, the reason-code map): YAML read and
validated against its model, every problem a ``DataFileError`` naming the file and the field."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from streams.errors import DataFileError

M = TypeVar("M", bound=BaseModel)


def read_yaml(path: Path) -> object:
    """A YAML file's data; ``DataFileError`` naming the file when it is missing or not YAML."""
    try:
        return yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise DataFileError(f"{path}: file not found") from None
    except yaml.YAMLError as exc:
        raise DataFileError(f"{path}: not valid YAML: {exc}") from None


def validation_message(path: Path, exc: ValidationError, what: str = "") -> str:
    """``<file>: invalid`` and one line per problem, each naming its field."""
    lines = [f"{path}: invalid" + (f" ({what})" if what else "")]
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"])
        lines.append(f"  {loc}: {err['msg']}")
    return "\n".join(lines)


def read_model(path: Path, model: type[M]) -> M:
    """A YAML file validated against ``model``."""
    data = read_yaml(path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise DataFileError(validation_message(path, exc)) from None
