#!/usr/bin/env python3
"""Writes the sample corpus winnow ships (sample/crawl.warc.wet and
sample/feed.jsonl) from the pages below.  Every page was written for this
project; they carry the boilerplate kinds of ../shared/examples/README.md:
site taglines, cookie banners, share and subscribe prompts, related links,
bylines and timestamps alone on a line, captions with photo credits,
attribution and syndication lines, comment forms, repeated titles, plus a
syndicated near-copy, an exact copy, a page in German and a spam page.
Run: python3 scripts/make-sample.py  (deterministic)."""
import hashlib, json, os

HARBOR = "Harbor Town Ledger"
TAG = "News from the bay, every morning"
COOKIE = "We use cookies to give you the best experience on our site. By continuing you agree to our cookie policy. Accept"
SHARE = "Share this article on Facebook, Twitter or by email!"
COMMENT = "Leave a Reply\nYour email address will not be published. Required fields are marked *"

pages = []

def page(site, path, date, lines):
    pages.append((f"https://{site}/{path}", date, "\n\n".join(lines)))

page("www.harbortownledger.example", "2024/05/ferry-schedule", "2024-05-02T07:10:00Z", [
    TAG,
    "Ferry service to the islands returns to a summer schedule",
    "Ferry service to the islands returns to a summer schedule",
    "By Maria Okafor",
    "May 2, 2024 7:10 am",
    COOKIE,
    "The county ferry will resume its summer timetable on Monday, adding four daily crossings to the outer islands after a winter in which the service ran only twice a day because of crew shortages.",
    "Port director Samuel Reyes said the agency had hired eleven deckhands since January and trained two new captains, which allows the older of the two vessels to return to service. The first boat will leave the harbor at 5:45 in the morning, and the last return crossing will arrive shortly before midnight.",
    "Residents of the islands have complained for months that the reduced schedule made it hard to reach jobs and medical appointments on the mainland. A survey by the island council found that one in three households had missed an appointment because of the timetable.",
    "Also on Harbor Town Ledger: Council approves new bike lanes on Shore Road",
    "Fares will not change this year, Reyes said, although the agency is studying a discount for frequent commuters that could take effect in the autumn.",
    "The ferry Osprey at the north terminal. Photo: J. Lindqvist / Ledger Photo Agency",
    SHARE,
    COMMENT,
    "© 2024 Harbor Town Ledger. All rights reserved.",
])
page("www.harbortownledger.example", "2024/05/school-garden", "2024-05-06T09:30:00Z", [
    TAG,
    "Students turn an empty lot into a school garden",
    "Home › Local › Education",
    COOKIE,
    "Pupils at Westbrook Elementary spent the spring planting vegetables on a lot behind the gymnasium that had been fenced off for nearly a decade.",
    "The project began when a fourth-grade class wrote letters to the school board asking whether the land could be used for something other than storing broken desks. The board agreed, and a local hardware store donated soil, seeds and tools.",
    "Teachers say the garden has become an outdoor classroom. Children measure the growth of bean plants for mathematics lessons, keep weather journals, and will sell the first harvest at the farmers market in July to raise money for a greenhouse.",
    "Related: Farmers market opens with record number of stalls",
    "Parents who want to help with watering during the summer holidays can sign up at the school office.",
    "Subscribe to our newsletter for more local stories",
    SHARE,
    "© 2024 Harbor Town Ledger. All rights reserved.",
])
page("www.harbortownledger.example", "2024/05/lighthouse", "2024-05-09T11:00:00Z", [
    TAG,
    "Restored lighthouse lamp shines again after forty years",
    COOKIE,
    "Posted by Daniel Price",
    "The lamp of the old Point Rowan lighthouse was switched on again on Thursday evening, four decades after the coast guard replaced it with an automatic beacon on a steel mast.",
    "Volunteers from the historical society spent three years restoring the lens, which had been stored in pieces in a museum basement. Each of the glass prisms was cleaned by hand, and a retired engineer built a new rotating mechanism from drawings found in the national archive.",
    "The light will not be used for navigation, but it will shine every Saturday night during the summer and on public holidays. Guided tours of the tower begin next month.",
    "Read more: The history of Point Rowan in ten photographs",
    "Comments are closed.",
    "© 2024 Harbor Town Ledger. All rights reserved.",
])
page("www.harbortownledger.example", "2024/05/storm-damage", "2024-05-12T15:20:00Z", [
    TAG,
    "Storm brings down trees and cuts power to thousands",
    COOKIE,
    "A spring storm with gusts of more than ninety kilometres an hour swept across the bay on Sunday, toppling trees onto roads and leaving about six thousand homes without electricity for several hours.",
    "Crews from the utility company worked through the night to restore power. By Monday morning fewer than two hundred customers were still waiting, most of them in the hills west of the town where fallen trees blocked access to damaged lines.",
    "No serious injuries were reported. The fire department said it answered more than sixty calls, mostly about branches on cars and a flooded underpass near the station.",
    "Follow us on Instagram and Facebook for live updates",
    SHARE,
    "© 2024 Harbor Town Ledger. All rights reserved.",
])
page("www.harbortownledger.example", "2024/05/library-hours", "2024-05-15T08:00:00Z", [
    TAG,
    "Library extends evening hours for exam season",
    COOKIE,
    "The public library will stay open until ten o'clock on weeknights for the rest of May and all of June so that students preparing for exams have a quiet place to work.",
    "Head librarian Grace Tanaka said the reading room had been full every afternoon since April and that many students told staff they had no calm place to study at home. The extra hours are paid for by a grant from a local foundation.",
    "The café on the ground floor will also stay open later, and volunteers will offer free tutoring in mathematics and languages on Tuesday and Thursday evenings.",
    COMMENT,
    "© 2024 Harbor Town Ledger. All rights reserved.",
])
# the ferry story syndicated on another site, with its own wrapping and small edits
page("coastalwire.example.net", "regional/ferry-summer-timetable", "2024-05-03T10:00:00Z", [
    "Coastal Wire | Regional news",
    "Login | Sign up",
    "Ferry service to the islands returns to a summer schedule",
    "The county ferry will resume its summer timetable on Monday, adding four daily crossings to the outer islands after a winter in which the service ran only twice a day because of crew shortages.",
    "Port director Samuel Reyes said the agency had hired eleven deckhands since January and trained two new captains, which allows the older of the two vessels to return to service. The first boat will leave the harbor at 5:45 in the morning, and the last return crossing will arrive shortly before midnight.",
    "Residents of the islands have complained for months that the reduced schedule made it hard to reach jobs and medical appointments on the mainland. A survey by the island council found that one in three households had missed an appointment because of the timetable.",
    "Fares will not change this year, Reyes said, although the agency is studying a discount for regular commuters that could take effect in the autumn.",
    "via Harbor Town Ledger https://www.harbortownledger.example/2024/05/ferry-schedule",
    "This website uses cookies to improve your experience. We'll assume you're ok with this, but you can opt-out if you wish. Accept Read More",
    "Page 1 of 1",
])
# the same page crawled twice
pages.append(pages[2])
page("www.stadtanzeiger.example.de", "lokales/hafenfest", "2024-05-20T06:00:00Z", [
    "Stadtanzeiger",
    "Hafenfest lockt tausende Besucher an",
    "Bei strahlendem Sonnenschein haben am Wochenende mehrere tausend Menschen das traditionelle Hafenfest besucht. Auf drei Bühnen spielten Bands aus der Region, und am Kai boten Fischer ihren Fang direkt vom Boot an.",
    "Der Veranstalter zeigte sich zufrieden mit dem Verlauf des Festes. Die Polizei meldete keine besonderen Vorkommnisse, lediglich der Parkplatz am Bahnhof war am Samstagnachmittag völlig überlastet.",
    "Im nächsten Jahr soll das Fest um einen Tag verlängert werden, kündigte die Stadtverwaltung an.",
    "Diese Website verwendet Cookies. Mit der Nutzung stimmen Sie zu.",
])
page("best-deals-4u.example.biz", "cheap", "2024-05-21T00:00:00Z", [
    "cheap watches cheap watches best price cheap watches buy now",
    "click here click here click here",
    "BUY NOW!!! BUY NOW!!! BUY NOW!!!",
    "watches watches watches watches watches watches watches watches",
])

def main():
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sample")
    out = []
    for i, (url, date, text) in enumerate(pages):
        body = (text + "\n").encode("utf-8")
        rid = hashlib.sha1(f"{i}{url}".encode()).hexdigest()
        uuid = f"{rid[:8]}-{rid[8:12]}-{rid[12:16]}-{rid[16:20]}-{rid[20:32]}"
        out.append(("WARC/1.0\r\nWARC-Type: conversion\r\n"
                    f"WARC-Target-URI: {url}\r\nWARC-Date: {date}\r\n"
                    f"WARC-Record-ID: <urn:uuid:{uuid}>\r\n"
                    "Content-Type: text/plain\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n").encode() + body + b"\r\n\r\n")
    head = b"software: winnow sample corpus\r\nformat: WARC File Format 1.0\r\n"
    info = (b"WARC/1.0\r\nWARC-Type: warcinfo\r\nWARC-Date: 2024-05-22T00:00:00Z\r\n"
            b"WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000000>\r\n"
            b"Content-Type: application/warc-fields\r\n"
            + f"Content-Length: {len(head)}\r\n\r\n".encode() + head + b"\r\n\r\n")
    with open(os.path.join(here, "crawl.warc.wet"), "wb") as f:
        f.write(info + b"".join(out))
    feed = [
        {"id": "feed-1", "url": "https://www.harbortownledger.example/2024/05/ferry-schedule", "text": pages[0][2], "feed": "rss"},
        {"id": "feed-2", "text": "Short note.", "feed": "rss"},
    ]
    with open(os.path.join(here, "feed.jsonl"), "w", encoding="utf-8") as f:
        for d in feed:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")

main()
