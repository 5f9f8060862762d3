"""Count any model transformers can build: the config's class built on the meta device.

Why: closed forms cover the families people use most, but transformers knows 800+ model types.
Building the model on PyTorch's meta device allocates nothing and downloads nothing, and gives
the exact parameter tensors, so the count is right by construction. The cost is importing torch
and transformers (seconds), so this path is taken only when no closed form applies, and torch
and transformers are imported inside the functions that need them, never at module import.

Remote code is never run: a config whose model type transformers does not know, or whose class
lives only in the model's own repository (``auto_map``), is refused with one line naming it.
"""

from __future__ import annotations

import re
import threading
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

from bot.calc.resources import KVShape
from bot.errors import InputError

# The breakdown's components, in display order, with their labels.
COMPONENTS: dict[str, str] = {
    "embeddings": "Embeddings", "attention": "Attention", "mlp": "MLP (dense and shared experts)",
    "experts": "Routed experts", "router": "MoE router", "ssm": "State-space mixer", "norms": "Norms",
    "vision": "Vision encoder", "head": "Output head", "other": "Other",
}
# Where the number of experts chosen per token lives, on the MoE block, its router or the config.
TOP_K_NAMES = ("top_k", "num_experts_per_tok", "num_experts_per_token", "experts_per_token", "moe_top_k",
               "num_selected_experts", "moe_k")
# Core sizes a config.json must state: transformers would silently fill in a default model's value.
REQUIRED_SIZES = ("vocab_size", "hidden_size", "num_hidden_layers")
PROGRESS_AFTER_SECONDS = 1.0


@dataclass(frozen=True)
class MetaComponent:
    """One component of the breakdown: its parameters, the part used per token, and which tensors."""

    name: str
    label: str
    count: int
    active: int
    tensors: tuple[str, ...]          # "36 × model.layers.*.self_attn.q_proj.weight [4096, 4096]"

    def to_dict(self) -> dict[str, Any]:
        shown = list(self.tensors[:4]) + ([f"… {len(self.tensors) - 4} more"] if len(self.tensors) > 4 else [])
        return {"name": self.name, "label": self.label, "count": self.count, "active": self.active,
                "formula": "; ".join(shown)}


@dataclass(frozen=True)
class MetaCount:
    """What transformers built, counted: total over unique tensors (a tied head once), active, breakdown."""

    model_type: str
    architecture: str
    total: int
    active: int | None                # None: an MoE whose experts-per-token could not be found
    embedding: int
    components: tuple[MetaComponent, ...]
    transformers_version: str
    notes: tuple[str, ...] = field(default_factory=tuple)
    kv: KVShape | None = None         # None: no layer attends (a state-space model), or not understood

    @property
    def non_embedding(self) -> int:
        return self.total - self.embedding


def count_on_meta(raw: Mapping[str, Any], *, progress: Callable[[str], None] | None = None) -> MetaCount:
    """Build ``raw`` (a config.json as a dict) with transformers on the meta device and count it.

    ``progress`` is called once with a line to show if the build is still running after a second.
    """
    timer = None
    if progress is not None:
        timer = threading.Timer(PROGRESS_AFTER_SECONDS, progress,
                                ["counting with transformers on the meta device (loading torch)…"])
        timer.daemon = True
        timer.start()
    try:
        model, config, architecture, notes, version = _build(raw)
        return _count(model, config, raw, architecture, notes, version)
    finally:
        if timer is not None:
            timer.cancel()


def _build(raw: Mapping[str, Any]) -> tuple[Any, Any, str, list[str], str]:
    """The model object transformers builds for this config, on the meta device."""
    model_type = raw.get("model_type")
    if not isinstance(model_type, str) or not model_type:
        raise InputError("config has no model_type, so transformers cannot tell which model to build")
    import torch
    import transformers
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING

    if model_type not in CONFIG_MAPPING:
        if "auto_map" in raw:
            raise InputError(f"model_type {model_type!r} needs remote code from the model's repository (auto_map); "
                             "paramsbot never runs it")
        raise InputError(f"model_type {model_type!r} is unknown to transformers {transformers.__version__}")
    config_class = CONFIG_MAPPING[model_type]
    fields = {k: v for k, v in raw.items() if k not in ("auto_map", "quantization_config")}
    try:
        with _quiet():
            config = config_class.from_dict(fields)
    except Exception as error:  # transformers validates in many ways; any failure is the input's
        raise InputError(f"transformers refuses this {model_type} config: {_first_line(error)}") from None
    _check_sizes(raw, config)
    model_class, notes = _model_class(raw, model_type, transformers)
    try:
        with _quiet(), torch.device("meta"):
            model = model_class(config)
    except Exception as error:
        raise InputError(f"transformers cannot build {model_class.__name__} from this config: "
                         f"{_first_line(error)}") from None
    return model, config, model_class.__name__, notes, transformers.__version__


def _check_sizes(raw: Mapping[str, Any], config: Any) -> None:
    """Refuse a config that leaves out a core size: transformers would silently use a default model's."""
    text = config.get_text_config() if hasattr(config, "get_text_config") else config
    if text is not config:  # multimodal: the text model's sizes may be left to defaults (Gemma 3 4B's are)
        if not isinstance(raw.get("text_config"), Mapping):
            raise InputError("config.json has no text_config, which sizes the language model")
        return
    for name in REQUIRED_SIZES:
        key = dict(getattr(text, "attribute_map", {}) or {}).get(name, name)
        if hasattr(text, name) and key not in raw and name not in raw:
            raise InputError(f"config.json has no {key}, which sizes the model")


def _model_class(raw: Mapping[str, Any], model_type: str, transformers: Any) -> tuple[Any, list[str]]:
    """The class named in ``architectures``, else the model type's causal-LM class, else its base model."""
    from transformers.models.auto import modeling_auto

    notes: list[str] = []
    names = raw.get("architectures") or []
    if isinstance(names, list) and names and isinstance(names[0], str):
        cls = getattr(transformers, names[0], None)
        if cls is not None and isinstance(cls, type):
            return cls, notes
        if "auto_map" in raw:
            raise InputError(f"{names[0]} needs remote code from the model's repository (auto_map); "
                             "paramsbot never runs it")
        notes.append(f"transformers has no class {names[0]}; counted the {model_type} model type's own class")
    for mapping in ("MODEL_FOR_CAUSAL_LM_MAPPING_NAMES", "MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES",
                    "MODEL_MAPPING_NAMES"):
        name = getattr(modeling_auto, mapping, {}).get(model_type)
        if isinstance(name, (list, tuple)):
            name = name[0]
        cls = getattr(transformers, name, None) if name else None
        if cls is not None:
            return cls, notes
    raise InputError(f"transformers has no model class for model_type {model_type!r}")


class _quiet:
    """Silence transformers' and torch's warnings while building: they are about weights we never load."""

    def __enter__(self) -> None:
        from transformers.utils import logging

        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        warnings.simplefilter("ignore")
        self._verbosity = logging.get_verbosity()
        logging.set_verbosity_error()

    def __exit__(self, *exc: object) -> None:
        from transformers.utils import logging

        logging.set_verbosity(self._verbosity)
        self._warnings.__exit__(*exc)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:300] if text else type(error).__name__


# ----- Counting the module tree -------------------------------------------------------------------

def _count(model: Any, config: Any, raw: Mapping[str, Any], architecture: str, notes: list[str],
           version: str) -> MetaCount:
    experts = dict(_routed_experts(model, raw))          # module path -> (experts, chosen per token)
    head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    modules = dict(model.named_modules())
    totals: Counter[str] = Counter()
    active: Counter[str] = Counter()
    shapes: dict[str, Counter[str]] = {}
    unknown_k = False
    embedding = 0
    attending: set[str] = set()                         # the layers that hold attention weights
    for name, param in model.named_parameters():        # shared tensors (a tied head) come once
        owner_path = name.rpartition(".")[0]
        owner = modules.get(owner_path)
        n = param.numel()
        expert_root = next((path for path in experts if owner_path == path or owner_path.startswith(path + ".")), None)
        part = _component(name, owner, owner is not None and owner is head, expert_root is not None)
        totals[part] += n
        if expert_root is not None:
            count, chosen = experts[expert_root]
            if chosen is None:
                unknown_k = True
            else:
                active[part] += n * chosen // count
        else:
            active[part] += n
        if part == "embeddings":
            embedding += n
        if part == "attention" and (layer := re.search(r"\.(\d+)\.", name)):
            attending.add(name[:layer.end()])
        pattern = re.sub(r"\.\d+\.", ".*.", name)
        shapes.setdefault(part, Counter())[f"{pattern} {list(param.shape)}"] += 1
    components = tuple(
        MetaComponent(key, COMPONENTS[key], totals[key], active[key],
                      tuple(f"{k} × {s}" if k > 1 else s for s, k in shapes[key].items()))
        for key in COMPONENTS if totals[key])
    if experts and unknown_k:
        notes.append("could not find how many experts each token uses, so the active count is not given")
    total = sum(totals.values())
    return MetaCount(model_type=str(raw["model_type"]), architecture=architecture, total=total,
                     active=None if unknown_k else sum(active.values()), embedding=embedding,
                     components=components, transformers_version=version, notes=tuple(notes),
                     kv=_kv_shape(config, len(attending)))


def _kv_shape(config: Any, attending: int) -> KVShape | None:
    """What the KV cache needs, from the text config and the number of layers that attend."""
    text = config.get_text_config() if hasattr(config, "get_text_config") else config
    heads = getattr(text, "num_attention_heads", None)
    hidden = getattr(text, "hidden_size", None)
    if not attending or not isinstance(heads, int) or not isinstance(hidden, int) or heads <= 0:
        return None
    kv_heads = getattr(text, "num_key_value_heads", None) or heads
    head_size = getattr(text, "head_dim", None) or hidden // heads
    types = getattr(text, "layer_types", None)
    window = getattr(text, "sliding_window", None)
    sliding = sum(t == "sliding_attention" for t in types) if isinstance(types, list) else 0
    rank, rope = getattr(text, "kv_lora_rank", None), getattr(text, "qk_rope_head_dim", None)
    if isinstance(rank, int) and isinstance(rope, int):
        return KVShape(attending, kv_heads, head_size, attention="mla", kv_lora_rank=rank, qk_rope_head_dim=rope)
    if sliding and isinstance(window, int) and window > 0:
        return KVShape(attending, kv_heads, head_size, sliding_window=window, sliding_layers=min(sliding, attending))
    return KVShape(attending, kv_heads, head_size)


def _component(name: str, owner: Any, is_head: bool, in_experts: bool) -> str:
    """Which component a parameter belongs to, from its module's type and its path."""
    path = name.lower()
    kind = type(owner).__name__.lower() if owner is not None else ""
    last = name.rpartition(".")[0].rpartition(".")[2].lower()
    if in_experts:
        return "experts"
    if re.search(r"(^|\.)(vision|visual|vision_tower|vision_model|image_encoder|multi_modal_projector)", path):
        return "vision"
    if is_head:
        return "head"
    import torch

    if isinstance(owner, torch.nn.Embedding):
        return "embeddings"
    if "norm" in kind or "norm" in last:
        return "norms"
    if "router" in kind or "gating" in kind or last in ("gate", "router", "shared_expert_gate"):
        return "router"
    if re.search(r"attn|attention", path):
        return "attention"
    if re.search(r"mlp|feed_forward|ffn|shared_expert|intermediate|(^|\.)fc\d", path):
        return "mlp"
    if re.search(r"mixer|ssm|mamba", path):
        return "ssm"
    return "other"


def _routed_experts(model: Any, raw: Mapping[str, Any]) -> Iterator[tuple[str, tuple[int, int | None]]]:
    """(path, (experts, chosen per token)) for every routed-experts module.

    A routed-experts module is a ``ModuleList`` called ``experts``, or (transformers 5's fused
    form) a module with an integer ``num_experts`` and no ``top_k`` whose tensors are stacked along
    a first axis of that length. Shared experts are dense: every token uses them.
    """
    import torch

    modules = dict(model.named_modules())
    found: list[str] = []
    for path, module in modules.items():
        if any(path.startswith(p + ".") for p in found) or "shared" in path.rpartition(".")[2]:
            continue
        count = None
        if isinstance(module, torch.nn.ModuleList) and path.rpartition(".")[2] == "experts" and len(module):
            count = len(module)
        else:
            e = getattr(module, "num_experts", None)
            params = list(module.parameters(recurse=False))
            kind = type(module).__name__.lower()
            if (isinstance(e, int) and e > 0 and not hasattr(module, "top_k") and params
                    and "router" not in kind and "gat" not in kind
                    and all(p.dim() >= 2 and p.shape[0] == e for p in params)):
                count = e
        if count is None:
            continue
        found.append(path)
        parent = modules.get(path.rpartition(".")[0])
        yield path, (count, _top_k(parent, raw))


def _top_k(block: Any, raw: Mapping[str, Any]) -> int | None:
    """Experts per token: from the MoE block or its router, else the config (or its text_config)."""
    candidates = [block, *(block.children() if block is not None else [])]
    for module in candidates:
        for name in TOP_K_NAMES:
            value = getattr(module, name, None)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                return value
    for source in (raw, raw.get("text_config") if isinstance(raw.get("text_config"), Mapping) else {}):
        for name in TOP_K_NAMES:
            value = source.get(name)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                return value
    return None
