"""`postgen schema`: the JSON Schema of a post's front matter, for editors.

Registered in `postgen.cli` through LAZY_COMMANDS; the schema is `postgen.postschema`'s.
"""

from __future__ import annotations

from pathlib import Path

import click

from postgen.errors import PostgenError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.command(context_settings=CONTEXT)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write it to this file (postgen new's posts point at post.schema.json in "
                   "the calendar's root) instead of printing it.")
@click.pass_context
def schema(ctx: click.Context, output: Path | None) -> None:
    """Print the JSON Schema of a post's front matter.

    Inside a calendar, the channels are its channels; outside one, any name.
    Editors that read a yaml-language-server modeline (VS Code with the YAML
    extension, and others) complete and check the fields with it: postgen new
    writes the modeline, pointing at post.schema.json in the calendar's root.
    Write that file again after changing the channels in mkdocs.yml.

    \b
    Examples:
      postgen schema -o post.schema.json
      postgen schema | jq '.properties | keys'
    """
    from postgen import diagnostics as diag
    from postgen import postschema
    from postgen.cli import refuse_own_file
    from postgen.config import load_config
    from postgen.configfile import find_config
    from postgen.errors import CalendarNotFound, ConfigInvalid

    obj = ctx.find_root().obj
    explicit = obj if isinstance(obj, Path) else None
    channels: list[str] | None = None  # not in a calendar: any channel name
    try:
        found = find_config(Path.cwd(), explicit)
    except CalendarNotFound:
        if explicit is not None:
            raise
    else:
        config, problems = load_config(found)
        if config is None:
            raise ConfigInvalid(diag.sort(problems))
        channels = list(config.channels)
        if output is not None:
            refuse_own_file(output, config)
    text = postschema.as_json(channels)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise PostgenError(f"cannot write {output}: {exc.strerror}") from None
    click.echo(f"wrote {output}", err=True)
