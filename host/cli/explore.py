"""``tcphw explore``: sweep a board's design space (lanes x pipeline) and show the trade-offs."""

from __future__ import annotations

import os
from pathlib import Path

import click

from tcphw.host.cli.design_space import EXPLORE_DEPTHS, LANES, lanes_text, span
from tcphw.host.cli.errors import InputError, check_output_folder, int_list

_SPEC_KEYS = {"board", "lanes", "pipeline", "jobs", "nodes", "measure", "out"}


def _from_spec(path: Path) -> dict[str, object]:
    """The YAML form: the same settings as the options, e.g. {board: ulx3s-85f, lanes: [1, 2, 4, 8]}."""
    # load-time: tcphw --help imports every command module; numpy (the experiment spec's reader)
    from tcphw.host.apps.experiment.spec import SpecError, read_yaml

    try:
        data = read_yaml(path)
    except SpecError as e:
        raise InputError(str(e)) from e
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping with keys {', '.join(sorted(_SPEC_KEYS))}")
    unknown = sorted(set(data) - _SPEC_KEYS)
    if unknown:
        raise InputError(f"{path}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(_SPEC_KEYS))})")
    if "board" not in data:
        raise InputError(f"{path}: missing key 'board'")
    for key in ("lanes", "pipeline", "nodes"):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, int) for v in value):
            raise InputError(f"{path}: {key} must be a list of integers")
    return data


def _int_list(spec: dict[str, object], key: str) -> list[int]:
    value = spec.get(key) or []
    return [int(v) for v in value] if isinstance(value, list) else []


@click.command()
@click.option("--spec", "spec_file", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="the settings as YAML (board, lanes, pipeline, jobs, nodes, measure, out)")  # fmt: skip
@click.option("--board", "board_name", default=None, help="a board from tcphw boards")
@click.option("--lanes", multiple=True, help=f"lane counts to build: {lanes_text()}; 1,8 or repeated (default: all)")
@click.option(
    "--pipeline",
    multiple=True,
    help=f"pipeline depths to build: {span(EXPLORE_DEPTHS)}, e.g. 1,2 or repeated (default: 2); the depths every "
    "board is checked to build at every lane count (deeper gained nothing on the iCEBreaker)",
)
@click.option("--jobs", type=click.IntRange(1, 64), default=None, help="builds at once (default: the core count)")
@click.option("--node", "nodes", type=int, multiple=True, help="add the ASIC projection for this node (nm)")
@click.option("--no-measure", is_flag=True, help="skip the virtual-board run of each point")
@click.option("--retry-failed", is_flag=True,
              help="build again the stored points whose toolchain failed (status error); a point that missed "
              "timing or did not fit is a result of the design and is kept")  # fmt: skip
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="results and build cache (default: build/explore/BOARD)")  # fmt: skip
@click.option("--cluster", metavar="tcp://HOST:PORT",
              help="a Dask scheduler: builds go to its workers, measurements to the one with the board")  # fmt: skip
def explore(spec_file: Path | None, board_name: str | None, lanes: tuple[str, ...], pipeline: tuple[str, ...],
            jobs: int | None,
            nodes: tuple[int, ...], no_measure: bool, retry_failed: bool, out: Path | None,
            cluster: str | None) -> None:  # fmt: skip
    """Build every lanes x pipeline point of a board, measure it, and plot the trade-offs."""
    if spec_file is not None:
        spec = _from_spec(spec_file)
        board_name = str(spec["board"])
        lanes = tuple(str(v) for v in _int_list(spec, "lanes"))
        pipeline = tuple(str(v) for v in _int_list(spec, "pipeline"))
        jobs = int(str(spec["jobs"])) if "jobs" in spec else jobs
        nodes = tuple(_int_list(spec, "nodes")) or nodes
        no_measure = not spec.get("measure", True)
        out = Path(str(spec["out"])) if spec.get("out") else out
    if not board_name:
        raise InputError("give --board NAME (tcphw boards lists them) or --spec FILE.yaml")
    # load-time: tcphw --help imports every command module; the boards load Amaranth
    from tcphw.boards import get_board
    from tcphw.boards.board import BoardError
    from tcphw.host.apps.explore import Point
    from tcphw.host.apps.explore import explore as run

    try:
        board = get_board(board_name)
    except (KeyError, BoardError) as e:
        raise InputError(str(e.args[0] if e.args else e)) from e
    # load-time: tcphw --help imports every command module; the projections' figures, read only here
    from tcphw.projections.figures import nodes as known_nodes

    lane_list = int_list("--lanes", lanes, LANES) or list(LANES)
    depth_list = int_list("--pipeline", pipeline, EXPLORE_DEPTHS) or [2]
    unknown = sorted(set(nodes) - set(known_nodes()))
    if unknown:  # checked before the first build, not after every point was built
        raise InputError(f"--node: no figures for {unknown[0]} nm; nodes: {', '.join(map(str, known_nodes()))}")
    points = [Point(n, p) for n in lane_list for p in depth_list]
    # load-time: tcphw --help imports every command module; the boards load Amaranth
    from tcphw.boards.board import check_board
    from tcphw.host.apps.explore import variant

    for point in points:  # every point builds and measures, or none is built
        try:
            check_board(variant(board, point))
        except (ValueError, BoardError) as e:
            raise InputError(f"{board.name} with {point.label} cannot work: {e}") from e
    out = out or Path("build") / "explore" / board.name
    check_output_folder("--out", out)
    # load-time: tcphw --help imports every command module; Dask's client, only with --cluster
    from tcphw.host.apps.explore import PointsLost
    from tcphw.host.lab.cluster import ClusterError, connect

    client = None
    try:
        client = connect(cluster) if cluster else None
        doc = run(board, points, out, jobs=jobs or (os.cpu_count() or 1), nodes=list(nodes), measure=not no_measure,
                  say=lambda line: click.echo(line, err=True), cluster=client, retry_failed=retry_failed)  # fmt: skip
    except ClusterError as e:
        raise InputError(str(e)) from e
    except PointsLost as e:
        raise click.ClickException(str(e)) from e
    finally:
        if client is not None:
            client.close()
    click.echo((out / "explore.md").read_text())
    click.echo(f"wrote {out / 'explore.json'}, {out / 'explore.md'}, {out / 'explore.png'} ({doc['seconds']:.0f} s)")
