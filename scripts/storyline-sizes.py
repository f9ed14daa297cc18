"""How a store's storylines are sized and, for ML-Crisis articles, how well they keep to one crisis.

Reads the SQLite store (no storyline code): storyline sizes in events, and when articles come from
`timelines/LANG/TOPIC/DATE/` folders (`storyline ingest ../shared/eval/timelines`), two pair
figures over events (each event's topic is the LANG/TOPIC most of its articles come from; the
reference timelines are left out):

- precision: of the pairs of events that share a storyline, the share on the same topic;
- recall within 30 days: of the pairs of events on one topic whose first days are at most 30 days
  apart, the share that share a storyline. A loose proxy (one crisis in one month can hold several
  storylines), so read it beside precision, not alone.

Usage: python3 scripts/storyline-sizes.py STORE.db
"""
import collections
import datetime
import re
import sqlite3
import sys

RECALL_DAYS = 30

db = sqlite3.connect(sys.argv[1])
storyline_of = {}
topics = collections.defaultdict(collections.Counter)
first_day = {}
for event, storyline, path, published in db.execute(
    "SELECT a.event_id, s.storyline_id, a.source_path, a.published FROM articles a JOIN storylines s ON s.event_id = a.event_id"
):
    storyline_of[event] = storyline
    found = re.search(r"timelines/([a-z]{2})/([a-z]+)/", path or "")
    if found and found.group(2) != "reference":
        topics[event][f"{found.group(1)}/{found.group(2)}"] += 1
    if published:
        day = datetime.date.fromisoformat(published[:10])
        first_day[event] = min(first_day.get(event, day), day)

sizes = sorted(collections.Counter(storyline_of.values()).values(), reverse=True)
print(f"storylines {len(sizes)}, events {sum(sizes)}, largest {sizes[:8]}")
print(
    f"  alone {sum(s == 1 for s in sizes)}, 2-9 events {sum(2 <= s < 10 for s in sizes)}, "
    f"10-99 {sum(10 <= s < 100 for s in sizes)}, 100 or more {sum(s >= 100 for s in sizes)}; "
    f"the largest holds {sizes[0] / sum(sizes):.1%} of the events"
)

events = [e for e in topics if e in first_day]
if events:
    topic = {e: topics[e].most_common(1)[0][0] for e in events}
    together = together_same_topic = near = near_together = 0
    for i, a in enumerate(events):
        for b in events[i + 1 :]:
            same_storyline, same_topic = storyline_of[a] == storyline_of[b], topic[a] == topic[b]
            together += same_storyline
            together_same_topic += same_storyline and same_topic
            if same_topic and abs((first_day[a] - first_day[b]).days) <= RECALL_DAYS:
                near += 1
                near_together += same_storyline
    print(
        f"  pairs: precision {together_same_topic / max(together, 1):.3f} ({together} pairs share a storyline); "
        f"recall within {RECALL_DAYS} days {near_together / max(near, 1):.3f} ({near} same-topic pairs)"
    )
