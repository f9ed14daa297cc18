//! Measures the stream alone: raw articles published per second, taken and finished by one
//! worker per second, and applied by the decision consumer per second (preparation and the
//! store left out), and the wire form's cost against JSON.
//!
//! `cargo run --release -p storyline-stream --example throughput -- nats://127.0.0.1:4222 20000`

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use storyline_stream::{ArticleStream, Outcome, StreamOptions};

#[derive(Serialize, Deserialize)]
struct Raw {
    id: String,
    outlet: String,
    text: String,
}

/// About the size of a prepared article: its text, terms and three sentence embeddings.
#[derive(Serialize, Deserialize)]
struct Prepared {
    id: String,
    text: String,
    terms: Vec<(String, f32)>,
    embeddings: Vec<Vec<f32>>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args.next().unwrap_or_else(|| "nats://127.0.0.1:4222".into());
    let n: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(10_000);
    let sentence = "The minister said on Tuesday that the talks would resume next week in Geneva. ";
    let text = sentence.repeat(40); // about 3 KB, a typical news article
    let prepared_of = |raw: &Raw| Prepared {
        id: raw.id.clone(),
        text: raw.text.clone(),
        terms: (0..60).map(|i| (format!("term{i}"), i as f32 / 7.0)).collect(),
        embeddings: (0..3).map(|k| (0..512).map(|i| ((i * k) as f32).sin()).collect()).collect(),
    };

    let sample = prepared_of(&Raw { id: "a".into(), outlet: "o".into(), text: text.clone() });
    let timed = |f: &dyn Fn() -> usize| {
        let started = Instant::now();
        let mut bytes = 0;
        for _ in 0..200 {
            bytes = f();
        }
        (bytes, started.elapsed().as_secs_f64() * 1e6 / 200.0)
    };
    let packed = rmp_serde::to_vec_named(&sample)?;
    let json = serde_json::to_vec(&sample)?;
    let (mp_bytes, mp_enc) = timed(&|| rmp_serde::to_vec_named(&sample).map(|v| v.len()).unwrap_or(0));
    let (js_bytes, js_enc) = timed(&|| serde_json::to_vec(&sample).map(|v| v.len()).unwrap_or(0));
    let (_, mp_dec) = timed(&|| rmp_serde::from_slice::<Prepared>(&packed).map(|p| p.terms.len()).unwrap_or(0));
    let (_, js_dec) = timed(&|| serde_json::from_slice::<Prepared>(&json).map(|p| p.terms.len()).unwrap_or(0));
    println!("prepared article, MessagePack: {mp_bytes} bytes, encode {mp_enc:.0} µs, decode {mp_dec:.0} µs");
    println!("prepared article, JSON:        {js_bytes} bytes, encode {js_enc:.0} µs, decode {js_dec:.0} µs");

    let options = StreamOptions { name: format!("THROUGHPUT_{}", std::process::id()), ..StreamOptions::default() };
    let stream = ArticleStream::connect(&url, options)?;
    let started = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
        let raws = chunk
            .iter()
            .map(|i| {
                (format!("article-{i}"), Raw { id: format!("article-{i}"), outlet: "wire".into(), text: text.clone() })
            })
            .collect();
        stream.publish_raw(raws)?;
    }
    let publish = started.elapsed().as_secs_f64();
    println!("published {n} raw articles in {publish:.2} s: {:.0} articles/s", n as f64 / publish);

    let started = Instant::now();
    let mut work = stream.workers()?;
    let mut done = 0;
    while done < n {
        let taken = work.take::<Raw>(256, Duration::from_secs(1))?;
        done += taken.len();
        work.finish(
            taken
                .into_iter()
                .map(|w| {
                    let p = prepared_of(&w.raw);
                    (w.ticket, Outcome::Prepared(p))
                })
                .collect(),
        )?;
    }
    let worked = started.elapsed().as_secs_f64();
    println!("one worker took and finished {n} in {worked:.2} s: {:.0} articles/s", n as f64 / worked);

    let started = Instant::now();
    let mut decisions = stream.decisions::<Prepared>(0)?;
    let mut applied = 0;
    while applied < n {
        let run = decisions.next_run(256, Duration::from_secs(1))?;
        applied += run.decisions.len();
        decisions.applied(run.receipt)?;
    }
    let decided = started.elapsed().as_secs_f64();
    println!("the decision consumer took {n} in order in {decided:.2} s: {:.0} articles/s", n as f64 / decided);
    stream.delete_streams()?;
    Ok(())
}
