//! Parts of pages rendered once per distinct key and kept for the rest of a render. A memo
//! belongs to one [`super::Site`], so a key only has to tell apart what can differ within one
//! render of one handbook; nothing here outlives a rebuild.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use xxhash_rust::xxh3::Xxh3DefaultBuilder;

use crate::theme::RenderError;

/// Rendered parts by key. Keys holding per-procurement values (assignees, attribute values) can
/// be as many as the procurements: past [`MEMO_BYTES`] of text a memo starts over, which bounds
/// its memory.
pub(super) struct Memo<K> {
    parts: Mutex<MemoParts<K>>,
}

struct MemoParts<K> {
    texts: HashMap<K, Arc<str>, Xxh3DefaultBuilder>,
    bytes: usize,
}

const MEMO_BYTES: usize = 16 << 20;

impl<K> Default for Memo<K> {
    fn default() -> Self {
        Memo {
            parts: Mutex::new(MemoParts {
                texts: HashMap::default(),
                bytes: 0,
            }),
        }
    }
}

impl<K: Hash + Eq> Memo<K> {
    /// The part for `key`, rendered by `render` unless an equal key's part is kept.
    pub(super) fn get_or_render(
        &self,
        key: K,
        render: impl FnOnce(&K) -> Result<Arc<str>, RenderError>,
    ) -> Result<Arc<str>, RenderError> {
        let kept = self
            .parts
            .lock()
            .ok()
            .and_then(|parts| parts.texts.get(&key).cloned());
        if let Some(text) = kept {
            return Ok(text);
        }
        let text = render(&key)?;
        if let Ok(mut parts) = self.parts.lock() {
            if parts.bytes + text.len() > MEMO_BYTES {
                parts.texts.clear();
                parts.bytes = 0;
            }
            parts.bytes += text.len();
            if let Some(old) = parts.texts.insert(key, Arc::clone(&text)) {
                parts.bytes -= old.len();
            }
        }
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_memo_renders_each_key_once_and_starts_over_when_full() {
        let memo = Memo::<usize>::default();
        let renders = std::cell::Cell::new(0);
        let part = |key: usize, size: usize| {
            memo.get_or_render(key, |&k| {
                renders.set(renders.get() + 1);
                Ok(Arc::from(k.to_string().repeat(size).as_str()))
            })
            .unwrap()
        };
        assert_eq!(&*part(1, 2), "11");
        assert_eq!(&*part(1, 2), "11");
        assert_eq!(renders.get(), 1);
        // Two parts of more than half the budget: the second makes the memo start over.
        assert_eq!(part(2, MEMO_BYTES / 2 + 1).len(), MEMO_BYTES / 2 + 1);
        assert_eq!(part(3, MEMO_BYTES / 2 + 1).len(), MEMO_BYTES / 2 + 1);
        assert_eq!(renders.get(), 3);
        assert_eq!(&*part(1, 2), "11");
        assert_eq!(renders.get(), 4);
        let parts = memo.parts.lock().unwrap();
        assert_eq!(parts.texts.len(), 2);
        assert_eq!(parts.bytes, MEMO_BYTES / 2 + 3);
    }
}
