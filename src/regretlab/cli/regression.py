"""``regretlab regression ...``: groupwise-regret tables and dataset checks from the command line."""

from __future__ import annotations


def register(app) -> None:
    import typer

    group = typer.Typer(help="Online regression and groupwise regret (Acharya et al., ICLR 2024).", no_args_is_help=True)

    @group.command("groupwise")
    def groupwise(
        dataset: str = typer.Option("synthetic-mean", help="synthetic-mean | synthetic-min | synthetic-max | synthetic-dperm | adult | medical:PATH | adult-reconstruction:PATH"),
        shuffles: int = typer.Option(10, help="number of the paper's shuffle seeds to run (1..10)"),
        lam: float = typer.Option(1.0, help="ridge parameter of the experts and the baseline"),
    ) -> None:
        """Print the end-of-sequence groupwise regret table (baseline vs sleeping AdaNormalHedge)."""
        from regretlab.datasets import adult_reconstruction, adult_uci, medical_cost, synthetic_groups
        from regretlab.regression.groupwise import PAPER_SEEDS, groupwise_regret

        if not 1 <= shuffles <= len(PAPER_SEEDS):
            raise ValueError(f"shuffles must be in 1..{len(PAPER_SEEDS)}, got {shuffles}")
        if dataset.startswith("synthetic-"):
            data = synthetic_groups(dataset.split("-", 1)[1])
        elif dataset == "adult":
            data = adult_uci()
        elif dataset.startswith("medical:"):
            data = medical_cost(dataset.split(":", 1)[1])
        elif dataset.startswith("adult-reconstruction:"):
            data = adult_reconstruction(dataset.split(":", 1)[1])
        else:
            raise ValueError(f"dataset must be synthetic-<mean|min|max|dperm>, adult, medical:PATH or adult-reconstruction:PATH, got {dataset!r}")
        result = groupwise_regret(data.X, data.y, data.groups, data.group_names, seeds=PAPER_SEEDS[:shuffles], lam=lam)
        tab = result.table()
        print(f"{'group':<20}{'T_g':>8}{'baseline':>22}{'ours':>22}{'hindsight SSE':>16}")
        for i, name in enumerate(tab["group"]):
            print(
                f"{name:<20}{tab['size'][i]:>8}{tab['base_mean'][i]:>13.6f} ± {tab['base_std'][i]:<6.3f}"
                f"{tab['anh_mean'][i]:>13.6f} ± {tab['anh_std'][i]:<6.3f}{tab['hindsight_mean'][i]:>16.6f}"
            )

    app.add_typer(group, name="regression")
