//! The map view: every embedded article at its place on the map, with what the view needs
//! to draw islands (interest clusters and corpus regions with labels and positions), in one
//! call. The layout itself is `learn::map`; this keeps it stable: positions are stored, new
//! articles are placed into the stored layout without moving old ones, and the whole map is
//! laid out again only on request or when the corpus has grown a lot since the last time.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use super::snapshot::{region_keywords, Snapshot};
use super::SEED;
use crate::domain::{ArticleId, Rating};
use crate::engine::Engine;
use crate::error::Result;
use crate::learn::map::{layout, place, LayoutParams, Xy};
use crate::learn::matrix::Picked;
use crate::learn::InterestCluster;
use crate::store::StoredMapLayout;

/// The whole map is laid out again once the corpus has this many times the articles of
/// the last full layout (placing is good for a trickle of new articles, not for a corpus
/// that is mostly new).
const REGROW_FACTOR: usize = 2;

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MapPoint {
    pub id: ArticleId,
    pub x: f32,
    pub y: f32,
    /// The interest cluster this article is close to, if any: articles far from every
    /// cluster stay neutral on the map.
    pub cluster: Option<usize>,
    pub rating: Option<Rating>,
    pub score: f32,
    pub title: String,
    /// The corpus region (topic area) the article belongs to: an index into `regions`.
    pub region: Option<usize>,
}

/// An interest cluster's label and where to write it (among its closest articles).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MapCluster {
    pub id: usize,
    pub label: String,
    pub keywords: Vec<String>,
    /// Articles coloured as this cluster's (close to it).
    pub size: usize,
    pub x: f32,
    pub y: f32,
}

/// A topic area of the whole corpus (liked or not), labelled by its keywords: what a part
/// of the map is about.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MapRegion {
    pub id: usize,
    pub label: String,
    pub keywords: Vec<String>,
    pub size: usize,
    /// The position of the region's most typical article.
    pub x: f32,
    pub y: f32,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MapLayoutInfo {
    /// Articles in the last full layout.
    pub full_size: usize,
    /// Articles placed into it since.
    pub placed_since: usize,
    /// Whether this call laid the whole map out.
    pub recomputed: bool,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MapView {
    pub points: Vec<MapPoint>,
    pub clusters: Vec<MapCluster>,
    pub regions: Vec<MapRegion>,
    pub layout: MapLayoutInfo,
}

impl Engine {
    /// Every embedded article on the map (the CLI's `map --json`).
    pub fn map(&self) -> Result<Vec<MapPoint>> {
        Ok(self.map_view(false)?.points)
    }

    /// The map with its labels. `recompute` lays the whole map out again; otherwise the
    /// stored layout is kept and only articles not on it yet are placed.
    pub fn map_view(&self, recompute: bool) -> Result<MapView> {
        let snap = self.snapshot()?;
        let _span = tracing::info_span!("map").entered();
        let (xy, info) = {
            let _span = tracing::info_span!("map positions").entered();
            self.map_positions(&snap, recompute)?
        };
        let corpus = &snap.corpus;
        let close = close_clusters(&snap);
        // The region of every article is kept with the corpus (empty without regions).
        let regions_of: Vec<Option<usize>> = match &corpus.regions.context {
            Some(_) if corpus.region.len() == corpus.articles.len() => {
                corpus.region.iter().map(|&(r, _)| Some(r)).collect()
            }
            _ => vec![None; corpus.articles.len()],
        };
        let points: Vec<MapPoint> = corpus
            .articles
            .iter()
            .enumerate()
            .map(|(i, meta)| MapPoint {
                id: meta.id,
                x: xy[i][0],
                y: xy[i][1],
                cluster: close[i],
                rating: snap.ratings.get(&meta.id).copied(),
                score: snap.scores[i].0,
                title: meta.title().to_string(),
                region: regions_of[i],
            })
            .collect();
        Ok(MapView {
            clusters: cluster_labels(&snap.clusters, &close, &xy),
            regions: region_labels(&snap, &regions_of, &xy),
            points,
            layout: info,
        })
    }

    /// Brings the stored layout up to date (placing new articles, or laying the whole map
    /// out when there is none or the corpus outgrew it) without building the view: the
    /// app runs it in the background after embedding, so opening the map finds it ready.
    pub fn update_map_layout(&self) -> Result<MapLayoutInfo> {
        let snap = self.snapshot()?;
        if snap.corpus.articles.is_empty() {
            return Ok(MapLayoutInfo {
                full_size: 0,
                placed_since: 0,
                recomputed: false,
            });
        }
        Ok(self.map_positions(&snap, false)?.1)
    }

    /// Whether a map layout is stored for the current model (a new store or a new model
    /// has none until the map is laid out).
    pub fn map_layout_stored(&self) -> Result<bool> {
        let model_id = self.model_id();
        Ok(self
            .store
            .get_map_layout()?
            .is_some_and(|l| l.model_id == model_id))
    }

    /// A position per corpus article (in corpus order), from the stored layout, placing
    /// what is missing, or laying everything out when asked or when the corpus outgrew it.
    fn map_positions(&self, snap: &Snapshot, recompute: bool) -> Result<(Vec<Xy>, MapLayoutInfo)> {
        // One layout at a time: two views opening at once must not both lay out the map.
        let mut last = self
            .learn
            .map_lock
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let corpus = &snap.corpus;
        let n = corpus.articles.len();
        // The same corpus (same allocation, same rows) has the same positions: reading and
        // decoding the stored layout again costs ~0.2 s at 100,000 articles.
        if let Some(kept) = last.as_ref().filter(|l| {
            !recompute && l.rows == n && std::sync::Weak::ptr_eq(&l.corpus, &Arc::downgrade(corpus))
        }) {
            let info = MapLayoutInfo {
                recomputed: false,
                ..kept.info.clone()
            };
            return Ok((kept.xy.clone(), info));
        }
        let model_id = self.model_id();
        let stored = self
            .store
            .get_map_layout()?
            .filter(|l| l.model_id == model_id);
        let known: HashMap<ArticleId, Xy> = stored
            .as_ref()
            .map(|l| l.points.iter().map(|&(id, x, y)| (id, [x, y])).collect())
            .unwrap_or_default();
        let on_map: Vec<usize> = (0..n)
            .filter(|&i| known.contains_key(&corpus.articles[i].id))
            .collect();
        let full_size = stored.as_ref().map_or(0, |l| l.full_size);
        let outgrown = n >= REGROW_FACTOR * full_size.max(1) && n > on_map.len();
        let (xy, full_size, placed_since, recomputed) =
            if recompute || on_map.is_empty() || outgrown {
                // The layout needs every row at once, as f32s: a transient copy.
                let widened = corpus.vectors.widened();
                let xy = layout(
                    &widened.row_refs(),
                    &LayoutParams {
                        seed: SEED,
                        ..LayoutParams::default()
                    },
                );
                (xy, n, 0, true)
            } else {
                let mut xy: Vec<Xy> = vec![[0.0, 0.0]; n];
                for &i in &on_map {
                    xy[i] = known[&corpus.articles[i].id];
                }
                let missing: Vec<usize> = (0..n)
                    .filter(|&i| !known.contains_key(&corpus.articles[i].id))
                    .collect();
                if !missing.is_empty() {
                    let placed = Picked {
                        source: &corpus.vectors,
                        rows: &on_map,
                    };
                    let placed_xy: Vec<Xy> = on_map.iter().map(|&i| xy[i]).collect();
                    let new = Picked {
                        source: &corpus.vectors,
                        rows: &missing,
                    };
                    for (&i, p) in missing.iter().zip(place(&new, &placed, &placed_xy, SEED)) {
                        xy[i] = p;
                    }
                }
                let placed_since = stored.as_ref().map_or(0, |l| l.placed_since) + missing.len();
                (xy, full_size, placed_since, false)
            };
        let changed = recomputed
            || stored
                .as_ref()
                .is_none_or(|l| l.points.len() != n || placed_since != l.placed_since);
        if changed {
            self.store.put_map_layout(&StoredMapLayout {
                model_id,
                full_size,
                placed_since,
                points: corpus
                    .articles
                    .iter()
                    .zip(&xy)
                    .map(|(a, p)| (a.id, p[0], p[1]))
                    .collect(),
            })?;
        }
        let info = MapLayoutInfo {
            full_size,
            placed_since,
            recomputed,
        };
        *last = Some(MapPositions {
            corpus: Arc::downgrade(corpus),
            rows: n,
            xy: xy.clone(),
            info: info.clone(),
        });
        Ok((xy, info))
    }
}

/// Positions worked out for one corpus. A weak handle: it keeps the corpus's allocation
/// from being reused by another corpus (so a match is the same one) without keeping its
/// vectors in memory.
pub(super) struct MapPositions {
    corpus: std::sync::Weak<super::snapshot::Corpus>,
    rows: usize,
    xy: Vec<Xy>,
    info: MapLayoutInfo,
}

/// Per corpus article, the interest cluster it is close to (see [`Snapshot::close_cluster`]):
/// only those are coloured, so the map shows what you like within what you read.
fn close_clusters(snap: &Snapshot) -> Vec<Option<usize>> {
    (0..snap.corpus.articles.len())
        .map(|i| snap.close_cluster(i))
        .collect()
}

/// Each interest cluster's label at the middle of its articles on the map (the median, so
/// a few strays do not pull it into the sea).
fn cluster_labels(
    clusters: &[InterestCluster],
    close: &[Option<usize>],
    xy: &[Xy],
) -> Vec<MapCluster> {
    clusters
        .iter()
        .map(|c| {
            let members: Vec<Xy> = close
                .iter()
                .zip(xy)
                .filter(|(k, _)| **k == Some(c.id))
                .map(|(_, p)| *p)
                .collect();
            let [x, y] = median_point(&members);
            MapCluster {
                id: c.id,
                label: c.label.clone(),
                keywords: c.keywords.clone(),
                size: members.len(),
                x,
                y,
            }
        })
        .collect()
}

/// The corpus regions, labelled with the c-TF-IDF keywords of their articles and placed at
/// their most typical article.
fn region_labels(snap: &Snapshot, regions_of: &[Option<usize>], xy: &[Xy]) -> Vec<MapRegion> {
    let corpus = &snap.corpus;
    let Some(ctx) = &corpus.regions.context else {
        return Vec::new();
    };
    let k = ctx.regions();
    let mut size = vec![0usize; k];
    let mut typical: Vec<Option<(usize, f32)>> = vec![None; k];
    for (i, region) in regions_of.iter().enumerate() {
        let Some(r) = *region else { continue };
        size[r] += 1;
        let sim = corpus.region[i].1;
        if typical[r].is_none_or(|(_, best)| sim > best) {
            typical[r] = Some((i, sim));
        }
    }
    // Kept with the regions; worked out here only for regions stored without them.
    let stored = corpus.regions.keywords.as_ref().filter(|kw| kw.len() == k);
    let keywords = match stored {
        Some(keywords) => keywords,
        None => corpus.region_keywords.get_or_init(|| {
            let _span = tracing::info_span!("region keywords").entered();
            let region_of: Vec<usize> = corpus.region.iter().map(|&(r, _)| r).collect();
            region_keywords(k, &region_of, &corpus.articles, &corpus.regions.word_stats)
        }),
    };
    (0..k)
        .filter_map(|r| {
            let (i, _) = typical[r]?;
            Some(MapRegion {
                id: r,
                label: keywords[r].join(", "),
                keywords: keywords[r].clone(),
                size: size[r],
                x: xy[i][0],
                y: xy[i][1],
            })
        })
        .collect()
}

fn median_point(points: &[Xy]) -> Xy {
    if points.is_empty() {
        return [0.0, 0.0];
    }
    let median = |c: usize| {
        let mut v: Vec<f32> = points.iter().map(|p| p[c]).collect();
        v.sort_by(f32::total_cmp);
        v[v.len() / 2]
    };
    [median(0), median(1)]
}
