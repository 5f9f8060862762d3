"""``explain calc``: the parameter calculator on the command line. Parsing and printing only.

    explain calc --preset llama-2-7b
    explain calc --config path/to/config.json --precision int4 --context 8k
    explain calc --config path/to/config.json --transformers
    explain calc --weights path/to/model.safetensors.index.json   (or a .safetensors/.gguf file, or a folder)
    explain calc --layers 784-128-64-10 --no-bias
    explain calc --preset llama-2-7b --tokens 2T --json
    explain calc --list-presets

Exit codes follow ``explain`` (bot.exits): 0 done, 2 bad input (one line on stderr, naming the
field), 3 paramsbot's own preset data is damaged.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Optional

import typer

from bot.errors import InputError, ParamsbotError
from bot.exits import EXIT_INPUT, EXIT_OK


def _fail(message: str, code: int = EXIT_INPUT) -> typer.Exit:
    from bot.oneshot import fail  # one line on stderr, cleaned like every other error

    return typer.Exit(fail(message, code))


def parse_context(text: str) -> int:
    """``4096`` or ``8k`` (k = 1,024, as context lengths are usually powers of two: 8k = 8,192)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kK])?\s*", text)
    if not m:
        raise InputError(f"context must be a number of tokens like 4096 or 8k, got {text!r}")
    value = float(m.group(1)) * (1024 if m.group(2) else 1)
    if not value.is_integer():
        raise InputError(f"context must be a whole number of tokens, got {text!r}")
    return int(value)


def calc_command(
    preset: Annotated[Optional[str], typer.Option("--preset", "-p", help="A named model, e.g. llama-2-7b (see --list-presets).", show_default=False)] = None,
    config: Annotated[Optional[Path], typer.Option("--config", "-c", help="A Hugging Face config.json (or its folder): any model type transformers can build without remote code.", show_default=False)] = None,
    weights: Annotated[Optional[Path], typer.Option("--weights", "-w", help="A .safetensors or .gguf file, a model.safetensors.index.json, or a folder of them: counted from the headers.", show_default=False)] = None,
    use_transformers: Annotated[bool, typer.Option("--transformers", help="With --config: count with transformers on the meta device even when a closed form exists.")] = False,
    layers: Annotated[Optional[str], typer.Option("--layers", "-l", help="A dense network's layer sizes, e.g. 2,2,1 or 784-128-64-10.", show_default=False)] = None,
    no_bias: Annotated[bool, typer.Option("--no-bias", help="With --layers: count weights only.")] = False,
    precision: Annotated[str, typer.Option("--precision", help="fp32, fp16, bf16, int8 or int4: the headline memory and KV-cache figures.")] = "fp16",
    context: Annotated[Optional[str], typer.Option("--context", help="Tokens per sequence for the KV cache, e.g. 4096 or 8k (default: 4096, or the model's maximum if smaller).", show_default=False)] = None,
    batch: Annotated[int, typer.Option("--batch", help="Sequences in the KV cache.")] = 1,
    kv_dtype: Annotated[Optional[str], typer.Option("--kv-dtype", help="Store the KV cache as fp16, bf16, fp8, q8_0 or q4_0 (default: --precision).", show_default=False)] = None,
    tokens: Annotated[Optional[str], typer.Option("--tokens", help="Training tokens for 6ND training FLOPs, e.g. 2T or 2e12.", show_default=False)] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the report as one JSON object.")] = False,
    list_presets: Annotated[bool, typer.Option("--list-presets", help="List the named models and exit.")] = False,
) -> None:
    """Count parameters exactly and estimate memory, KV cache and compute."""
    from bot.calc import preset_store
    from bot.calc.parse import parse_count, parse_layers
    from bot.calc.render import presets_text, print_report
    from bot.calc.report import report

    try:
        if list_presets:
            items = list(preset_store.load_presets().values())
            if json_output:
                typer.echo(json.dumps([_preset_json(p) for p in items], ensure_ascii=False))
            else:
                typer.echo(presets_text(items), nl=False)
            raise typer.Exit(EXIT_OK)
        chosen = [name for name, value in (("--preset", preset), ("--config", config), ("--weights", weights),
                                           ("--layers", layers)) if value is not None]
        if len(chosen) != 1:
            raise _fail("give exactly one of --preset NAME, --config FILE, --weights FILE or --layers 2,2,1"
                        + (f" (got {' and '.join(chosen)})" if chosen else ""))
        if no_bias and layers is None:
            raise _fail("--no-bias applies to --layers only")
        if use_transformers and config is None:
            raise _fail("--transformers applies to --config only")
        options = dict(precision=precision, batch=batch, kv_dtype=kv_dtype,
                       context=parse_context(context) if context is not None else None,
                       tokens=parse_count(tokens) if tokens is not None else None)
        if layers is not None:
            if kv_dtype is not None:
                raise _fail("--kv-dtype needs a transformer (--preset or --config)")
            result = report(list(parse_layers(layers)), bias=not no_bias, **options)  # type: ignore[arg-type]
        elif config is not None:
            from bot.calc.file_report import report_for_config

            result = report_for_config(config, engine="transformers" if use_transformers else "auto",
                                       progress=lambda line: typer.echo(f"explain: {line}", err=True),
                                       **options)  # type: ignore[arg-type]
        elif weights is not None:
            from bot.calc.file_report import report_for_weights

            result = report_for_weights(weights, precision=precision, tokens=options["tokens"])
        else:
            result = report(preset_store.get_preset(preset or ""), **options)  # type: ignore[arg-type]
    except ParamsbotError as error:
        raise _fail(str(error), error.exit_code) from None
    if json_output:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        print_report(result)


def _preset_json(p) -> dict:  # type: ignore[no-untyped-def]
    from bot.calc.report import report

    r = report(p)
    return {"name": p.name, "title": p.title, "family": p.family, "params_total": r.params_total,
            "params_active": r.params_active, "published": p.published, "published_only": p.published_only,
            "source": p.source.to_dict()}
