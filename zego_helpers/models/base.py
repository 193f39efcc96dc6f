"""The small machinery every request object shares: API names, round trips, one check path.

Each model is a dataclass whose fields are declared with :func:`api_field`,
which names the API key a field maps to. From that one declaration the base
class :class:`ApiModel` derives:

* ``to_api()``: the exact JSON the API expects; fields left at ``None`` are
  left out, so ZEGO applies its own default;
* ``from_api(data)``: the model read back from such JSON. Keys this kit does
  not model are kept in ``extra`` and written back by ``to_api()``, so nothing
  is lost and you can send a field added to the API after this kit was written;
* ``coerce(value)``: **the one path every parameter object takes** on its way
  into a request. A model and a plain dict in API field names go through the
  same ``validate()``, so ``client.register_agent(..., llm={...})`` is checked
  exactly like ``llm=LLM(...)``. An unknown key that looks like a misspelling
  of a known one (``"Temprature"``) is still sent, with a warning.

Each subclass adds ``validate()``: the documented rules, raising
:class:`~zego_helpers.errors.ValidationError` with the API field path
(``LLM.Url``, ``TTS.Params.voice_setting.speed``).
"""

from __future__ import annotations

import copy
import difflib
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import Field, dataclass, field, fields
from typing import Any, ClassVar, TypeVar

from ..errors import ValidationError
from ..i18n import _
from ..secrets_mask import mask, mask_secrets
from ..validation import check_unicode


class UnknownFieldWarning(UserWarning):
    """A key this kit does not model, close to one it does: probably a typo. It is sent as is."""


def api_field(
    api_name: str,
    *,
    required: bool = False,
    default: Any = None,
    default_factory: Callable[[], Any] | None = None,
    secret: bool = False,
    dump: Callable[[Any], Any] | None = None,
    load: Callable[[Any], Any] | None = None,
) -> Any:
    """Declare a dataclass field and the API key it maps to.

    ``api_name`` may be a dotted path for nested API objects:
    ``"TurnDetectConfig.SilenceSegmentation"`` becomes
    ``{"TurnDetectConfig": {"SilenceSegmentation": ...}}``. ``secret`` fields
    are masked in ``repr``. ``dump``/``load`` convert a value on its way to and
    from the API (e.g. ``True`` -> ``1`` for callback flags).
    """
    metadata = {"api": tuple(api_name.split(".")), "secret": secret, "dump": dump, "load": load}
    if required:
        return field(metadata=metadata)
    if default_factory is not None:
        return field(default_factory=default_factory, metadata=metadata)
    return field(default=default, metadata=metadata)


_Model = TypeVar("_Model", bound="ApiModel")


@dataclass(repr=False)
class ApiModel:
    """Base class: ``to_api()``, ``from_api()``, ``coerce()`` and a ``repr`` that hides secrets."""

    #: The API object's name, used in error messages ("LLM", "TTS", ...).
    API_NAME: ClassVar[str] = ""

    #: API keys this class does not model; sent back unchanged by ``to_api()``.
    extra: dict[str, Any] = field(default_factory=dict, kw_only=True)

    def validate(self: _Model) -> _Model:
        """Check the documented rules; every model overrides this. Returns ``self``."""
        return self

    def to_api(self) -> dict[str, Any]:
        """The JSON object for the API: exact key names, ``None`` fields left out."""
        body: dict[str, Any] = {}
        for f in _api_fields(type(self)):
            value = getattr(self, f.name)
            if value is None:
                continue
            dump = f.metadata["dump"]
            _set_path(body, f.metadata["api"], dump(value) if dump else copy.deepcopy(value))
        _add_missing(body, self.extra if isinstance(self.extra, Mapping) else {})
        return body

    @classmethod
    def from_api(cls: type[_Model], data: Mapping[str, Any]) -> _Model:
        """Build the model from API JSON. Unknown keys go to ``extra``; nothing is validated."""
        if not isinstance(data, Mapping):
            problem = _("must be a JSON object, not {type}")
            raise ValidationError(cls.API_NAME, problem.format(type=type(data).__name__))
        rest = copy.deepcopy(dict(data))
        values: dict[str, Any] = {}
        for f in _api_fields(cls):
            value = _pop_path(rest, f.metadata["api"])
            load = f.metadata["load"]
            values[f.name] = load(value) if load and value is not None else value
        return cls(**values, extra=rest)

    @classmethod
    def coerce(cls: type[_Model], value: object, field_name: str | None = None) -> _Model:
        """A model of this class or a dict in API field names -> the same model, validated.

        This is the one door into a request body: the client and every preview
        call it, so a dict and a model meet exactly the same checks. Anything
        else (a string, a list, a model of another kind) is refused, naming
        ``field_name`` (default: the API object's name) and what is expected.
        """
        name = field_name or cls.API_NAME
        if isinstance(value, cls):
            model = value
        elif isinstance(value, Mapping):
            bad_keys = [key for key in value if not isinstance(key, str)]
            if bad_keys:
                raise ValidationError(
                    name, _("has a key that is not a string: {key}").format(key=repr(bad_keys[0]))
                )
            model = cls.from_api(value)
        else:
            raise ValidationError(
                name,
                _(
                    "must be a {model} (from zego_helpers.models) or a dict of API fields, "
                    "not {type}"
                ).format(model=cls.__name__, type=type(value).__name__),
            )
        if not isinstance(model.extra, Mapping):
            raise ValidationError(f"{name} (extra)", _("must be a dict of API fields"))
        model.validate()
        for path, suggestion in model.unknown_key_hints():
            warnings.warn(
                _(
                    "{field} is not a field this kit knows; did you mean {known}? "
                    "It is sent as is (ZEGO may have added it after this kit was written)."
                ).format(field=f"{name}.{path}", known=f"{name}.{suggestion}"),
                UnknownFieldWarning,
                stacklevel=3,
            )
        return model

    def unknown_key_hints(self) -> Iterator[tuple[str, str]]:
        """(unknown key path, known key it resembles) for every likely typo in ``extra``."""
        yield from close_key_matches(self.extra, _known_key_tree(type(self)))

    def __repr__(self) -> str:
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or (f.name == "extra" and not value):
                continue
            if f.metadata.get("secret"):
                value = mask(value)
            elif isinstance(value, dict):
                value = mask_secrets(value)
            parts.append(f"{f.name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"


#: A tree of known keys: ``{"TurnDetectConfig": {"SilenceSegmentation": {}}}``.
KeyTree = Mapping[str, "KeyTree"]


def _known_key_tree(cls: type) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for f in _api_fields(cls):
        node = tree
        for key in f.metadata["api"]:
            node = node.setdefault(key, {})
    return tree


def close_key_matches(
    data: object, known: KeyTree, prefix: str = ""
) -> Iterator[tuple[str, str]]:
    """Keys of ``data`` that are not in ``known`` but close to one (case or a letter or two off).

    ``difflib.get_close_matches`` with a cutoff of 0.8 catches ``Temprature``
    and ``apikey`` but not unrelated new fields, which pass without a word.
    """
    if not isinstance(data, Mapping) or not known:
        return
    lowered = {key.lower(): key for key in known}
    for key, value in data.items():
        if not isinstance(key, str):
            continue
        path = f"{prefix}{key}"
        if key in known:
            yield from close_key_matches(value, known[key], f"{path}.")
            continue
        match = difflib.get_close_matches(key.lower(), list(lowered), n=1, cutoff=0.8)
        if match:
            yield path, f"{prefix}{lowered[match[0]]}"


def _api_fields(cls: type) -> list[Field[Any]]:
    return [f for f in fields(cls) if "api" in f.metadata]


def _set_path(body: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        body = body.setdefault(key, {})
    body[path[-1]] = value


def _pop_path(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    """Remove and return the value at ``path``; drop parent objects it leaves empty."""
    parents = []
    node = data
    for key in path[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            return None
        parents.append((node, key))
        node = child
    if path[-1] not in node:
        return None
    value = node.pop(path[-1])
    for parent, key in reversed(parents):
        if parent[key]:
            break
        del parent[key]
    return value


def _add_missing(body: dict[str, Any], extra: Mapping[str, Any]) -> None:
    """Copy ``extra`` into ``body`` without overwriting modelled values."""
    for key, value in extra.items():
        if key not in body:
            body[key] = copy.deepcopy(value)
        elif isinstance(body[key], dict) and isinstance(value, Mapping):
            _add_missing(body[key], value)


def _as_flag(value: Any) -> Any:
    """Callback flags are 0/1 in the API; accept ``True``/``False`` too."""
    return int(value) if isinstance(value, bool) else value


def _compact(params: dict[str, Any]) -> dict[str, Any]:
    """Drop ``None`` values, and objects left empty by that, from builder output."""
    result = {}
    for key, value in params.items():
        if isinstance(value, dict):
            value = _compact(value)
            if not value:
                continue
        if value is not None:
            result[key] = value
    return result


def _get_path(data: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def _check_non_empty(field_name: str, value: Any, fix: str = "") -> None:
    """A non-empty string; ``fix`` (already translated) says what to put there."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(
            field_name,
            _("must be a non-empty string") + (_("; {fix}").format(fix=fix) if fix else ""),
        )
    check_unicode(field_name, value)


def _check_optional_type(
    field_name: str, value: Any, kind: type | tuple[type, ...], what: str
) -> None:
    """``None`` or a ``kind``; ``what`` (translated) names the kind, e.g. ``an object (dict)``."""
    if value is not None and not isinstance(value, kind):
        raise ValidationError(field_name, _("must be {what}").format(what=what))


def to_api_value(value: Any) -> Any:
    """Turn a model into its API dict; dicts (already API JSON) and ``None`` pass through.

    Lists are converted item by item, so ``[Message.user("hi"), {...}]`` works.
    Anything else raises :class:`ValidationError`.
    """
    if value is None or isinstance(value, dict):
        return value
    if isinstance(value, ApiModel):
        return value.to_api()
    if isinstance(value, (list, tuple)):
        return [to_api_value(item) for item in value]
    raise ValidationError(
        "value",
        _("expected a zego_helpers model (LLM, TTS, ...), a dict or None, not {type}").format(
            type=type(value).__name__
        ),
    )
