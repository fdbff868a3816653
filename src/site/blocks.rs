//! Large blocks of HTML made beforehand — the index table's rows, a role page's rows — pass
//! through templates as markers: the page is rendered with a short marker where each block goes
//! and cut there, and the file is written from the blocks' own parts. At 10,000 procurements
//! that saves copying tens of megabytes several times over, in every build and every rebuild.
//!
//! The bytes are the same as rendering the blocks themselves. A marker is an HTML comment, so a
//! theme that escapes a block, prints it twice or leaves it out has no single verbatim marker to
//! cut at, and then the page is simply rendered again with the blocks' text.

use std::sync::Arc;

use crate::theme::RenderError;

/// The parts of one block, in order.
pub(super) type Block = Vec<Arc<Vec<u8>>>;

/// A rendered page: parts to write first, then the text after the last block.
#[derive(Debug, Default)]
pub(super) struct Html {
    pub parts: Vec<Arc<Vec<u8>>>,
    /// The end of the page (holding `</body>`, where the preview adds its script).
    pub tail: String,
}

impl From<String> for Html {
    fn from(tail: String) -> Self {
        Html {
            parts: Vec::new(),
            tail,
        }
    }
}

/// Renders a page with `blocks`: `render` gets, for each block, the text to put in the context
/// in its place (a marker, or the block's text when the markers cannot be used). An empty
/// block is given as it is: a template may well leave it out.
pub(super) fn render_with_blocks(
    blocks: Vec<Block>,
    render: impl Fn(Vec<String>) -> Result<String, RenderError>,
) -> Result<Html, RenderError> {
    let markers: Vec<String> = blocks
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if b.is_empty() {
                String::new()
            } else {
                format!("<!--procbook:block:{i}-->")
            }
        })
        .collect();
    let html = render(markers.clone())?;
    let mut cuts = Vec::with_capacity(markers.len());
    for (i, marker) in markers.iter().enumerate().filter(|(_, m)| !m.is_empty()) {
        let mut found = html.match_indices(marker.as_str());
        match (found.next(), found.next()) {
            (Some((at, _)), None) => cuts.push((at, marker.len(), i)),
            _ => return render(blocks.iter().map(text).collect()).map(Html::from),
        }
    }
    cuts.sort_unstable();
    let mut parts = Vec::with_capacity(blocks.iter().map(Vec::len).sum::<usize>() + cuts.len());
    let mut blocks: Vec<Option<Block>> = blocks.into_iter().map(Some).collect();
    let mut from = 0;
    for (at, len, i) in cuts {
        parts.push(Arc::new(html.as_bytes()[from..at].to_vec()));
        parts.extend(blocks[i].take().unwrap_or_default());
        from = at + len;
    }
    Ok(Html {
        parts,
        tail: html[from..].to_string(),
    })
}

/// A block's bytes as one string.
fn text(block: &Block) -> String {
    let mut bytes = Vec::with_capacity(block.iter().map(|p| p.len()).sum());
    for part in block {
        bytes.extend_from_slice(part);
    }
    // Every part was made from a `String`.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(parts: &[&str]) -> Block {
        parts
            .iter()
            .map(|p| Arc::new(p.as_bytes().to_vec()))
            .collect()
    }

    fn joined(html: Html) -> String {
        let mut s: String = html
            .parts
            .iter()
            .map(|p| String::from_utf8(p.to_vec()).unwrap())
            .collect();
        s.push_str(&html.tail);
        s
    }

    #[test]
    fn blocks_are_spliced_where_the_template_put_them() {
        let html = render_with_blocks(
            vec![block(&["<tr>1</tr>", "<tr>2</tr>"]), block(&["x"])],
            |b| Ok(format!("<table>{}</table><ul>{}</ul></body>", b[0], b[1])),
        )
        .unwrap();
        assert_eq!(html.parts.len(), 5);
        assert_eq!(html.tail, "</ul></body>");
        assert_eq!(
            joined(html),
            "<table><tr>1</tr><tr>2</tr></table><ul>x</ul></body>"
        );
    }

    #[test]
    fn a_template_that_escapes_or_repeats_a_block_gets_the_block_itself() {
        let escaped = render_with_blocks(vec![block(&["<b>", "</b>"])], |b| {
            Ok(b[0].replace('<', "&lt;"))
        })
        .unwrap();
        assert_eq!(joined(escaped), "&lt;b>&lt;/b>");
        let twice =
            render_with_blocks(vec![block(&["a", "b"])], |b| Ok(format!("{0}|{0}", b[0]))).unwrap();
        assert_eq!(joined(twice), "ab|ab");
        let dropped = render_with_blocks(vec![block(&["a"])], |_| Ok("none".into())).unwrap();
        assert_eq!(joined(dropped), "none");
        let empty = render_with_blocks(vec![block(&[]), block(&["b"])], |b| {
            Ok(format!("[{}][{}]", b[0], b[1]))
        })
        .unwrap();
        assert_eq!(empty.parts.len(), 2);
        assert_eq!(joined(empty), "[][b]");
    }
}
