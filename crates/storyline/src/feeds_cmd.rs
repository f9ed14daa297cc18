//! `storyline feeds …` and `storyline watch`: live sources.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use storyline_feeds::{check_url, parse_url, FetchConfig, Fetcher};
use storyline_pipeline::{poll_feeds, watch_folder, IngestOptions, WatchOptions};
use storyline_store::Store;

use crate::render;
use crate::stream_cmd::PublishArgs;

#[derive(Subcommand)]
pub enum FeedsCommand {
    /// Subscribe to an RSS or Atom feed.
    Add {
        /// The feed's URL (http or https).
        url: String,
        #[command(flatten)]
        addresses: AddressArgs,
    },
    /// List subscribed feeds and the state of their last poll.
    List,
    /// Unsubscribe from a feed (and forget which of its items were seen).
    Remove { url: String },
    /// Fetch every feed and store the articles its new items link to (or publish them, with
    /// --publish-to; the feed list and the items seen stay in the store either way).
    ///
    /// Fetching is polite: robots.txt is respected, each host is asked at most once per
    /// `--delay-ms` (or its Crawl-delay), failures are retried with backoff, and unchanged feeds
    /// cost one conditional request. Items already seen are not fetched again. Nothing is
    /// fetched from loopback, private or link-local addresses unless allowed.
    Poll(PollArgs),
}

/// Which non-public addresses may be fetched from. Feeds, their items' links and redirects are
/// written by others: by default none may lead to the operator's own network.
#[derive(Args)]
pub struct AddressArgs {
    /// Fetch from loopback, private, link-local and other non-public addresses too (this also
    /// lets HTTP proxies from the environment be used).
    #[arg(long, env = "STORYLINE_ALLOW_PRIVATE_ADDRESSES")]
    allow_private_addresses: bool,
    /// A non-public address that may be fetched from even so (an intranet feed); repeatable.
    #[arg(long = "allow-address", value_name = "IP")]
    allowed_addresses: Vec<IpAddr>,
}

impl AddressArgs {
    fn apply(self, config: FetchConfig) -> FetchConfig {
        FetchConfig {
            allow_private_addresses: self.allow_private_addresses,
            allowed_addresses: self.allowed_addresses,
            ..config
        }
    }
}

#[derive(Args)]
pub struct PollArgs {
    /// Least time between two requests to the same host, in milliseconds.
    #[arg(long, env = "STORYLINE_FETCH_DELAY_MS", default_value_t = 1000)]
    delay_ms: u64,
    /// Give up on a request after this many seconds.
    #[arg(long, default_value_t = 30)]
    timeout_secs: u64,
    /// Retries of a request that failed with a server error or a timeout.
    #[arg(long, default_value_t = 3)]
    retries: u32,
    /// The first retry waits this long (in milliseconds); each later one twice as long.
    #[arg(long, default_value_t = 500)]
    backoff_ms: u64,
    #[command(flatten)]
    addresses: AddressArgs,
    #[command(flatten)]
    publish: PublishArgs,
}

#[derive(Args)]
pub struct WatchArgs {
    /// The folder to watch (recursively).
    dir: PathBuf,
    /// Milliseconds a file's size must stay the same before it is read.
    #[arg(long, default_value_t = 1000)]
    settle_ms: u64,
    /// Do not ingest the files already in the folder first.
    #[arg(long)]
    no_initial_scan: bool,
    /// Files per transaction.
    #[arg(long, default_value_t = 64)]
    batch_files: usize,
    /// Follow symbolic links that lead out of the folder (by default they are skipped, with a
    /// reason: whoever can write to the folder could otherwise have any readable file stored).
    #[arg(long)]
    follow_symlinks: bool,
    #[command(flatten)]
    publish: PublishArgs,
}

pub fn feeds(store: &mut Store, command: FeedsCommand, db: &str, json: bool) -> Result<()> {
    match command {
        FeedsCommand::Add { url, addresses } => {
            let url = parse_url(&url)?.to_string();
            check_url(&url, &addresses.apply(FetchConfig::default()))?;
            let added = store.add_feed(&url)?;
            if json {
                render::print_json(&serde_json::json!({ "url": url, "added": added }))
            } else {
                match added {
                    true => println!("added {url}; fetch it with `storyline feeds poll`"),
                    false => println!("{url} is already subscribed"),
                }
                Ok(())
            }
        }
        FeedsCommand::List => {
            let feeds = store.feeds()?;
            if json {
                return render::print_json(&feeds);
            }
            if feeds.is_empty() {
                println!("No feeds yet: add one with `storyline feeds add URL`.");
            }
            for feed in feeds {
                let polled = match (&feed.last_polled_at, &feed.last_status) {
                    (Some(at), Some(status)) => format!("last polled {} ({status})", at.get(..19).unwrap_or(at)),
                    _ => "never polled".to_string(),
                };
                let title = feed.title.as_deref().map(|t| format!("  {t}")).unwrap_or_default();
                println!("{}{title}\n     {} items seen · {polled}", feed.url, feed.items_seen);
            }
            Ok(())
        }
        FeedsCommand::Remove { url } => {
            let removed = store.remove_feed(&url)? || store.remove_feed(parse_url(&url)?.as_str())?;
            if !removed {
                bail!("{url} is not subscribed in {db} (see `storyline feeds list`)");
            }
            if json {
                render::print_json(&serde_json::json!({ "url": url, "removed": true }))
            } else {
                println!("removed {url}");
                Ok(())
            }
        }
        FeedsCommand::Poll(args) => {
            let config = args.addresses.apply(FetchConfig {
                host_interval: Duration::from_millis(args.delay_ms),
                timeout: Duration::from_secs(args.timeout_secs.max(1)),
                retries: args.retries,
                backoff: Duration::from_millis(args.backoff_ms),
                ..FetchConfig::default()
            });
            let publisher = args.publish.connect()?;
            let mut fetcher = Fetcher::new(config);
            let report = poll_feeds(store, &mut fetcher, publisher.as_ref(), &IngestOptions::default(), &|feed| {
                eprintln!(
                    "{}: {} ({} items, {} new, {} fetched{})",
                    feed.url,
                    feed.status,
                    feed.items,
                    feed.new_items,
                    feed.fetched,
                    if feed.retry_later > 0 { format!(", {} to retry", feed.retry_later) } else { String::new() }
                );
            })?;
            if json {
                return render::print_json(&report);
            }
            let ingest = &report.ingest;
            for skip in &ingest.skipped {
                println!("skipped {}: {}", skip.origin, skip.reason);
            }
            if let Some(publisher) = &publisher {
                println!(
                    "polled {} feeds, {} articles: {} published to {}, {} published before, {} skipped",
                    report.feeds.len(),
                    ingest.articles,
                    ingest.new,
                    publisher.url(),
                    ingest.unchanged,
                    ingest.skipped.len()
                );
                return Ok(());
            }
            let duplicates: usize = ingest.duplicates.values().sum();
            println!(
                "polled {} feeds, {} articles: {} new, {} unchanged, {} duplicates, {} skipped; {} new events",
                report.feeds.len(),
                ingest.articles,
                ingest.new,
                ingest.unchanged,
                duplicates,
                ingest.skipped.len(),
                ingest.events_created
            );
            Ok(())
        }
    }
}

/// `storyline watch`: into the store at `location`, or to the article stream.
pub fn watch(location: &str, args: WatchArgs, json: bool) -> Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed)).context("installing the Ctrl-C handler")?;
    let discovery = storyline_ingest::Discovery { follow_symlinks: args.follow_symlinks, within: None };
    let options = IngestOptions { batch_files: args.batch_files, discovery, ..Default::default() };
    let watch = WatchOptions {
        settle: Duration::from_millis(args.settle_ms),
        initial_scan: !args.no_initial_scan,
        ..WatchOptions::default()
    };
    let dir = &args.dir;
    args.publish.with_sink(location, |mut sink| {
        eprintln!("watching {} (Ctrl-C to stop)", dir.display());
        watch_folder(&mut sink, dir, &options, &watch, &stop, &mut |batch| {
            if json {
                // One JSON object per line: the output is a stream.
                match serde_json::to_string(batch) {
                    Ok(line) => println!("{line}"),
                    Err(error) => eprintln!("error: {error}"),
                }
                return;
            }
            let time = chrono::Local::now().format("%H:%M:%S");
            let names: Vec<String> = batch.paths.iter().map(|p| p.display().to_string()).collect();
            println!("{time} {}", names.join(", "));
            if let Err(error) = render::ingest_report(&batch.report, false) {
                eprintln!("error: {error}");
            }
        })
    })?;
    eprintln!("stopped");
    Ok(())
}
