//! Keeping the fetcher away from internal addresses.
//!
//! A feed is written by someone else, and so are its items' links and every redirect: without a
//! guard, a feed could make storyline fetch the cloud metadata service (169.254.169.254), an admin
//! page on localhost or anything else on the operator's network, and store the answer as an
//! article. So each host is resolved, every address it resolves to is checked, and the connection
//! goes to the addresses checked: a DNS answer cannot change in between. The check sits in the
//! HTTP client's resolver, so it applies to every request, redirect hops and robots.txt included.
//!
//! Hand-written because std's `Ipv4Addr::is_global` (which would cover most of it) is unstable,
//! and the list is short.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

use crate::{parse_url, FeedError, FetchConfig};

/// Why an address is not fetched from ("a loopback address"), or `None` for a public one.
pub fn non_public_kind(address: IpAddr) -> Option<&'static str> {
    match address {
        IpAddr::V4(address) => ipv4_kind(address),
        IpAddr::V6(address) => ipv6_kind(address),
    }
}

fn ipv4_kind(address: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = address.octets();
    let kind = if address.is_unspecified() || a == 0 {
        "an unspecified (\"this network\") address"
    } else if address.is_loopback() {
        "a loopback address"
    } else if address.is_private() {
        "a private address"
    } else if address == Ipv4Addr::new(169, 254, 169, 254) {
        "the cloud metadata address (link-local)"
    } else if address.is_link_local() {
        "a link-local address"
    } else if a == 100 && (64..128).contains(&b) {
        "a shared (carrier-grade NAT) address"
    } else if address.is_broadcast() {
        "the broadcast address"
    } else if address.is_multicast() {
        "a multicast address"
    } else if address.is_documentation() || (a == 198 && (18..20).contains(&b)) {
        "a documentation or benchmarking address"
    } else if (a == 192 && b == 0 && c == 0) || a >= 240 {
        "a reserved address"
    } else {
        return None;
    };
    Some(kind)
}

fn ipv6_kind(address: Ipv6Addr) -> Option<&'static str> {
    // IPv4 addresses written as IPv6 (mapped ::ffff:a.b.c.d, compatible ::a.b.c.d, NAT64
    // 64:ff9b::a.b.c.d, 6to4 2002:aabb:ccdd::) reach the IPv4 address inside.
    let segments = address.segments();
    let embedded = match segments {
        [0x64, 0xff9b, 0, 0, 0, 0, high, low] => Some(Ipv4Addr::from((u32::from(high) << 16) | u32::from(low))),
        [0x2002, high, low, ..] => Some(Ipv4Addr::from((u32::from(high) << 16) | u32::from(low))),
        _ if address.is_loopback() || address.is_unspecified() => None,
        _ => address.to_ipv4(),
    };
    if let Some(inner) = embedded {
        return ipv4_kind(inner);
    }
    let kind = if address.is_unspecified() {
        "an unspecified address"
    } else if address.is_loopback() {
        "a loopback address"
    } else if address.is_unique_local() || segments[0] & 0xffc0 == 0xfec0 {
        "a private (unique-local) address"
    } else if address.is_unicast_link_local() {
        "a link-local address"
    } else if address.is_multicast() {
        "a multicast address"
    } else if segments[0] == 0x2001 && segments[1] == 0xdb8 {
        "a documentation address"
    } else {
        return None;
    };
    Some(kind)
}

/// The reason `host` may not be fetched, when one of its addresses is not public and not in
/// `allowed`: "127.0.0.1 is a loopback address", "intranet.example resolves to 10.0.0.7, a
/// private address".
pub fn refusal(host: &str, addresses: &[IpAddr], allowed: &[IpAddr]) -> Option<String> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    addresses.iter().filter(|address| !allowed.contains(address)).find_map(|&address| {
        let kind = non_public_kind(address)?;
        Some(match host.parse::<IpAddr>() {
            Ok(_) => format!("{address} is {kind}"),
            Err(_) => format!("{host} resolves to {address}, {kind}"),
        })
    })
}

/// Checks a URL before it is subscribed to, so a feed that can never be fetched is refused at
/// once. Only a courtesy: the fetcher checks again at every request (DNS answers change). A host
/// that does not resolve now passes; polling will say what is wrong with it.
pub fn check_url(url: &str, config: &FetchConfig) -> Result<(), FeedError> {
    let url = parse_url(url)?;
    if config.allow_private_addresses {
        return Ok(());
    }
    let Ok(resolved) = url.socket_addrs(|| None) else { return Ok(()) };
    let addresses: Vec<IpAddr> = resolved.iter().map(SocketAddr::ip).collect();
    match refusal(url.host_str().unwrap_or_default(), &addresses, &config.allowed_addresses) {
        Some(reason) => Err(FeedError::Refused(reason)),
        None => Ok(()),
    }
}

/// Why a request was refused; travels through ureq as `ureq::Error::Other`.
#[derive(Debug)]
pub(crate) struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// ureq's resolver, refusing hosts with a non-public address. ureq connects only to the
/// addresses a resolver returns, so what is checked here is what is connected to.
#[derive(Debug, Default)]
pub(crate) struct PublicOnlyResolver {
    allowed: Vec<IpAddr>,
    inner: DefaultResolver,
}

impl PublicOnlyResolver {
    pub fn new(allowed: Vec<IpAddr>) -> Self {
        PublicOnlyResolver { allowed, inner: DefaultResolver::default() }
    }
}

impl Resolver for PublicOnlyResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let resolved = self.inner.resolve(uri, config, timeout)?;
        let addresses: Vec<IpAddr> = resolved.iter().map(SocketAddr::ip).collect();
        match refusal(uri.host().unwrap_or_default(), &addresses, &self.allowed) {
            Some(reason) => Err(ureq::Error::Other(Box::new(Refused(reason)))),
            None => Ok(resolved),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(address: &str) -> Option<&'static str> {
        non_public_kind(address.parse().expect("an address"))
    }

    #[test]
    fn non_public_addresses() {
        for (address, expected) in [
            ("127.0.0.1", "a loopback address"),
            ("127.255.0.9", "a loopback address"),
            ("10.1.2.3", "a private address"),
            ("172.16.0.1", "a private address"),
            ("172.31.255.255", "a private address"),
            ("192.168.1.1", "a private address"),
            ("169.254.169.254", "the cloud metadata address (link-local)"),
            ("169.254.1.1", "a link-local address"),
            ("100.64.0.1", "a shared (carrier-grade NAT) address"),
            ("0.0.0.0", "an unspecified (\"this network\") address"),
            ("0.1.2.3", "an unspecified (\"this network\") address"),
            ("255.255.255.255", "the broadcast address"),
            ("224.0.0.1", "a multicast address"),
            ("192.0.2.1", "a documentation or benchmarking address"),
            ("198.18.0.1", "a documentation or benchmarking address"),
            ("240.0.0.1", "a reserved address"),
            ("::1", "a loopback address"),
            ("::", "an unspecified address"),
            ("fc00::1", "a private (unique-local) address"),
            ("fd12:3456::1", "a private (unique-local) address"),
            ("fe80::1", "a link-local address"),
            ("ff02::1", "a multicast address"),
            ("::ffff:127.0.0.1", "a loopback address"),
            ("::ffff:169.254.169.254", "the cloud metadata address (link-local)"),
            ("::10.0.0.1", "a private address"),
            ("64:ff9b::a9fe:a9fe", "the cloud metadata address (link-local)"),
            ("2002:c0a8:0101::1", "a private address"),
            ("2001:db8::1", "a documentation address"),
        ] {
            assert_eq!(kind(address), Some(expected), "{address}");
        }
    }

    #[test]
    fn public_addresses() {
        for address in ["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8"] {
            assert_eq!(kind(address), None, "{address}");
        }
    }

    #[test]
    fn refusal_names_host_and_address() {
        let loopback: IpAddr = "127.0.0.1".parse().expect("an address");
        let public: IpAddr = "8.8.8.8".parse().expect("an address");
        assert_eq!(refusal("127.0.0.1", &[loopback], &[]).as_deref(), Some("127.0.0.1 is a loopback address"));
        assert_eq!(
            refusal("feeds.example", &[public, loopback], &[]).as_deref(),
            Some("feeds.example resolves to 127.0.0.1, a loopback address"),
            "one bad address is enough: the connection could go to any of them"
        );
        assert_eq!(
            refusal("[::1]", &["::1".parse().expect("an address")], &[]).as_deref(),
            Some("::1 is a loopback address")
        );
        assert_eq!(refusal("feeds.example", &[public], &[]), None);
        assert_eq!(refusal("127.0.0.1", &[loopback], &[loopback]), None, "allowed explicitly");
    }
}
