"""ACD decision latency: p50/p99 at 100, 1,000 and 10,000 agents, 10x as many calls.

Two decisions are timed, each a whole `ContactCenter.handle()` call (validation,
choice, the offer and its effects):

* **agent free**: every agent is busy and 10x as many calls wait across the queues;
  one agent becomes ready and is offered the best waiting call of its queues.
* **call arrives**: every agent is free; a call arrives and is offered to the best
  agent of its queue.

Each agent belongs to 3 of 20 queues with a random priority tier and skill level,
so the structures look like a real site. The target (DESIGN §6) is p99 < 1 ms at
1,000 agents x 10,000 calls, growing no worse than O(log n).

Run: `.venv/bin/python bench/acd.py` (or `make bench`); `--strategy skills` etc.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time

from switchboard.config.model import (
    Agent,
    InboundNumber,
    Membership,
    Profile,
    Queue,
    RoutingStrategy,
    Tenant,
)
from switchboard.core import commands as cmd
from switchboard.core.center import ContactCenter

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
QUEUES = 20


def build(agents: int, strategy: RoutingStrategy, rng: random.Random) -> ContactCenter:
    queues = [
        Queue(id=f"q{i}", name=f"Queue {i}", strategy=strategy, offer_timeout=30)
        for i in range(QUEUES)
    ]
    people = []
    for i in range(agents):
        picked = rng.sample(range(QUEUES), 3)
        people.append(
            Agent(
                id=f"a{i}",
                name=f"Agent {i}",
                password_hash=HASH,
                extension=str(10000 + i),
                profile="p",
                queues=[
                    Membership(
                        queue=f"q{q}", priority=rng.randint(1, 2), skill_level=rng.randint(1, 10)
                    )
                    for q in picked
                ],
            )
        )
    tenant = Tenant(
        profiles=[Profile(id="p", name="P", auto_pause_after_misses=None)],
        queues=queues,
        agents=people,
        inbound_numbers=[
            InboundNumber(number=f"+3310000{i:04d}", queue=f"q{i}") for i in range(QUEUES)
        ],
    )
    return ContactCenter(tenant)


def arrival(call_id: str, rng: random.Random) -> cmd.InboundCall:
    return cmd.InboundCall(call_id, "+33600000000", f"+3310000{rng.randrange(QUEUES):04d}")


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def agent_free(agents: int, samples: int, strategy: RoutingStrategy, seed: int) -> list[float]:
    rng = random.Random(seed)
    cc = build(agents, strategy, rng)
    now = 1000.0
    for i in range(agents):
        cc.handle(cmd.Login(f"a{i}"), now)
        cc.handle(cmd.Pause(f"a{i}", "bench"), now)
    for n in range(agents * 10):
        now += 0.001
        cc.handle(arrival(f"c{n}", rng), now)
    timings = []
    gc.collect()
    gc.disable()
    for _ in range(samples):
        who = f"a{rng.randrange(agents)}"
        now += 0.01
        t0 = time.perf_counter_ns()
        cc.handle(cmd.Ready(who), now)
        timings.append((time.perf_counter_ns() - t0) / 1e3)
        agent = cc.agents[who]
        # Put things back: pause (applies once the offer is gone), then decline, so
        # the call returns to the head of its queue and the agent rests paused.
        cc.handle(cmd.Pause(who, "bench"), now)
        if agent.offer_id is not None:
            call = cc.calls[cc.offers[agent.offer_id].call_id]
            cc.handle(cmd.Decline(who, agent.offer_id), now)
            call.excluded.clear()
    gc.enable()
    waiting = sum(len(q) for q in cc.queues.values())
    assert waiting >= agents * 10 - 1, waiting
    return timings


def call_arrives(agents: int, samples: int, strategy: RoutingStrategy, seed: int) -> list[float]:
    rng = random.Random(seed)
    cc = build(agents, strategy, rng)
    now = 1000.0
    for i in range(agents):
        now += 0.001
        cc.handle(cmd.Login(f"a{i}"), now)
    timings = []
    gc.collect()
    gc.disable()
    for n in range(samples):
        now += 0.01
        call_id = f"c{n}"
        t0 = time.perf_counter_ns()
        cc.handle(
            cmd.InboundCall(call_id, "+33600000000", f"+3310000{rng.randrange(QUEUES):04d}"), now
        )
        timings.append((time.perf_counter_ns() - t0) / 1e3)
        assert cc.calls[call_id].offer_ids, "a free agent should have been offered the call"
        cc.handle(cmd.RemoteHungUp(call_id), now)  # put things back: the caller hangs up
    gc.enable()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--samples", type=int, default=3000)
    parser.add_argument(
        "--strategy", default="longest_idle", choices=[s.value for s in RoutingStrategy]
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    strategy = RoutingStrategy(args.strategy)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"ACD decision latency, strategy {strategy.value}, {args.samples} samples each (µs)")
    print(
        f"{'agents':>7} {'calls waiting':>13} | {'agent free p50':>14} {'p99':>7}"
        f" | {'call arrives p50':>16} {'p99':>7}"
    )
    results = {}
    for n in sizes:
        free = agent_free(n, args.samples, strategy, args.seed)
        arrive = call_arrives(n, args.samples, strategy, args.seed)
        results[n] = (percentile(free, 0.99), percentile(arrive, 0.99))
        print(
            f"{n:>7} {n * 10:>13} | {statistics.median(free):>14.1f} {percentile(free, 0.99):>7.1f}"
            f" | {statistics.median(arrive):>16.1f} {percentile(arrive, 0.99):>7.1f}"
        )
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        grow_free = results[large][0] / results[small][0]
        grow_arrive = results[large][1] / results[small][1]
        print(
            f"p99 growth from {small} to {large} agents ({large // small}x): "
            f"agent free {grow_free:.2f}x, call arrives {grow_arrive:.2f}x"
        )
    target = results.get(1000)
    if target is not None:
        worst = max(target)
        verdict = "meets" if worst < 1000 else "MISSES"
        print(f"target p99 < 1 ms at 1,000 agents x 10,000 calls: {worst:.0f} µs, {verdict} it")


if __name__ == "__main__":
    main()
