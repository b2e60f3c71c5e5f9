//! Which network addresses a fetch may reach.
//!
//! A feed's URL is the user's choice, and may well be on their own network (an intranet, a
//! NAS, a feed server on localhost). A link *inside* a feed is a stranger's choice: fetched
//! by Sift (a whole article, an icon), it must not make the reader's machine send requests
//! into their local network — routers, printers, development servers and cloud metadata
//! endpoints answer there, some of them to a plain GET. So links from a feed on the public
//! internet are fetched only from public addresses: the host's name is resolved here and
//! local addresses are dropped ([`PublicOnlyResolver`]), an address written into the URL is
//! checked ([`check_public_url`]), and so is every redirect. A feed that is itself local
//! ([`is_local_origin`]) may link to its own network.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// A fetch was refused because it would reach a local address.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "{host} is a private or local network address; links in a feed from the internet are not \
     fetched from the reader's own network"
)]
pub struct LocalAddressRefused {
    pub host: String,
}

/// Whether `ip` is an address on the public internet (not loopback, private, link-local,
/// shared, documentation, benchmarking, multicast, reserved or unspecified).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                // fc00::/7 unique local, fe80::/10 link-local, fec0::/10 old site-local
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || (first & 0xffc0) == 0xfec0
                // 2001:db8::/32 documentation, 64:ff9b:1::/48 local NAT64
                || (first == 0x2001 && v6.segments()[1] == 0x0db8)
                || (first == 0x0064 && v6.segments()[1] == 0xff9b && v6.segments()[2] == 1)
                // ::/96 IPv4-compatible (deprecated) carries a v4 address too
                || (v6.segments()[..6] == [0; 6] && !is_public_v4(v4_tail(v6))))
        }
    }
}

fn v4_tail(v6: Ipv6Addr) -> Ipv4Addr {
    let o = v6.octets();
    Ipv4Addr::new(o[12], o[13], o[14], o[15])
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier NAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240) // reserved
}

/// Names that always mean this machine, whatever DNS says.
fn is_local_name(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost" || host.ends_with(".localhost")
}

/// Checks the host written in `url` (an address, or a name that always means this
/// machine); names are checked when they are resolved ([`PublicOnlyResolver`]).
pub fn check_public_url(url: &url::Url) -> Result<(), LocalAddressRefused> {
    let refused = || LocalAddressRefused {
        host: url.host_str().unwrap_or_default().to_string(),
    };
    match url.host() {
        Some(url::Host::Ipv4(ip)) if !is_public(IpAddr::V4(ip)) => Err(refused()),
        Some(url::Host::Ipv6(ip)) if !is_public(IpAddr::V6(ip)) => Err(refused()),
        Some(url::Host::Domain(name)) if is_local_name(name) => Err(refused()),
        _ => Ok(()),
    }
}

/// How far the links of the feed (or page) at `origin_url` may reach: anywhere when it is
/// itself on a local network ([`is_local_origin`]), else the public internet only.
pub async fn reach_for(origin_url: &str) -> super::fetch::Reach {
    if is_local_origin(origin_url).await {
        super::fetch::Reach::Any
    } else {
        super::fetch::Reach::PublicOnly
    }
}

/// Whether the feed at `feed_url` is on a local network (an address or a name resolving
/// only to local addresses): its links may then point there too. A name that does not
/// resolve counts as public, the stricter choice.
pub async fn is_local_origin(feed_url: &str) -> bool {
    let Ok(url) = url::Url::parse(feed_url) else {
        return false;
    };
    if check_public_url(&url).is_err() {
        return true;
    }
    let Some(url::Host::Domain(name)) = url.host() else {
        return false;
    };
    let target = format!("{name}:{}", url.port_or_known_default().unwrap_or(80));
    let found = tokio::net::lookup_host(target).await;
    match found {
        Ok(addrs) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            !addrs.is_empty() && addrs.iter().all(|a| !is_public(a.ip()))
        }
        Err(_) => false,
    }
}

/// A DNS resolver for reqwest that keeps only public addresses: a name pointing into the
/// local network (directly, or by a rebinding trick between two lookups) connects nowhere.
#[derive(Debug, Default)]
pub struct PublicOnlyResolver;

impl reqwest::dns::Resolve for PublicOnlyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            if is_local_name(&host) {
                return Err(Box::new(LocalAddressRefused { host }) as _);
            }
            let public: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| is_public(a.ip()))
                .collect();
            if public.is_empty() {
                return Err(Box::new(LocalAddressRefused { host }) as _);
            }
            let addrs: reqwest::dns::Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

/// The [`LocalAddressRefused`] somewhere in `e`'s chain of causes, if any.
pub fn refused_in<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a LocalAddressRefused> {
    let mut cause = Some(e);
    while let Some(error) = cause {
        if let Some(refused) = error.downcast_ref::<LocalAddressRefused>() {
            return Some(refused);
        }
        cause = error.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_and_special_addresses_are_not_public() {
        for local in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254", // cloud metadata
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "198.18.0.1",
            "192.0.2.1",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:192.168.0.1",
            "::127.0.0.1",
            "2001:db8::1",
        ] {
            assert!(
                !is_public(local.parse().unwrap()),
                "{local} counted as public"
            );
        }
        for public in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700::1111",
            "::ffff:1.1.1.1",
        ] {
            assert!(
                is_public(public.parse().unwrap()),
                "{public} counted as local"
            );
        }
    }

    #[test]
    fn addresses_and_local_names_in_urls_are_checked() {
        let check = |u: &str| check_public_url(&url::Url::parse(u).unwrap());
        for refused in [
            "http://127.0.0.1:8080/admin",
            "http://[::1]/",
            "http://2130706433/", // 127.0.0.1 as one number, as browsers read it
            "http://0x7f.1/",
            "http://localhost:631/",
            "http://printer.localhost/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::ffff:10.0.0.1]/",
        ] {
            assert!(check(refused).is_err(), "{refused} was allowed");
        }
        for allowed in ["https://example.com/a", "http://93.184.216.34/"] {
            assert!(check(allowed).is_ok(), "{allowed} was refused");
        }
    }

    #[tokio::test]
    async fn a_feed_on_an_address_or_local_name_is_a_local_origin() {
        assert!(is_local_origin("http://127.0.0.1:8000/feed.xml").await);
        assert!(is_local_origin("http://localhost/feed").await);
        assert!(is_local_origin("http://[fd00::5]/feed").await);
        assert!(!is_local_origin("http://93.184.216.34/feed").await);
        // A name that does not resolve (no network here, or a typo) counts as public.
        assert!(!is_local_origin("https://feeds.invalid/feed").await);
        assert!(!is_local_origin("not a url").await);
    }
}
