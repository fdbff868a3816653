//! Large blocks of HTML made beforehand — the index table's rows, a role page's rows — pass
//! through templates as markers: the page is rendered with a short marker where each block goes
//! and cut there, and the file is written from the blocks' own parts. At 10,000 procurements
//! that saves copying tens of megabytes several times over, in every build and every rebuild.
//!
//! The bytes are the same as rendering the blocks themselves. A marker is an HTML comment, so a
//! theme that escapes a block, prints it twice or leaves it out has no single verbatim marker to
//! cut at, and then the page is simply rendered again with the blocks' text.

use crate::output::{part, Content, Part, Sink};
use crate::theme::RenderError;

/// A block: knows whether it is empty, and writes its parts.
pub(super) trait Block {
    fn is_empty(&self) -> bool;
    fn write(&self, sink: &mut dyn Sink) -> Result<(), RenderError>;
}

/// A rendered page: its pieces in order, then the text after the last block.
pub(super) struct Html<B> {
    pieces: Vec<Piece<B>>,
    /// The end of the page (holding `</body>`, where the preview adds its script).
    pub tail: String,
}

enum Piece<B> {
    Text(Part),
    Block(B),
}

impl<B: Block> Html<B> {
    /// Writes the page up to its tail: the template's text and the blocks' parts.
    pub fn write(&self, sink: &mut dyn Sink) -> Result<(), RenderError> {
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => sink.parts(std::slice::from_ref(text)),
                Piece::Block(block) => block.write(sink)?,
            }
        }
        Ok(())
    }
}

/// Renders a page with `blocks`: `render` gets, for each block, the text to put in the context
/// in its place (a marker, or the block's text when the markers cannot be used). An empty
/// block is given as it is: a template may well leave it out.
pub(super) fn render_with_blocks<B: Block>(
    blocks: Vec<B>,
    render: impl Fn(Vec<String>) -> Result<String, RenderError>,
) -> Result<Html<B>, RenderError> {
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
            _ => {
                let texts = blocks.iter().map(text).collect::<Result<_, _>>()?;
                return Ok(Html {
                    pieces: Vec::new(),
                    tail: render(texts)?,
                });
            }
        }
    }
    cuts.sort_unstable();
    let mut pieces = Vec::with_capacity(2 * cuts.len());
    let mut blocks: Vec<Option<B>> = blocks.into_iter().map(Some).collect();
    let mut from = 0;
    for (at, len, i) in cuts {
        pieces.push(Piece::Text(part(html.as_bytes()[from..at].to_vec())));
        if let Some(block) = blocks[i].take() {
            pieces.push(Piece::Block(block));
        }
        from = at + len;
    }
    Ok(Html {
        pieces,
        tail: html[from..].to_string(),
    })
}

/// A block's bytes as one string.
fn text(block: &impl Block) -> Result<String, RenderError> {
    let mut content = Content::default();
    block.write(&mut content)?;
    // Every part was made from a `String`.
    Ok(String::from_utf8(content.to_vec())
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Parts(Vec<Part>);

    impl Block for Parts {
        fn is_empty(&self) -> bool {
            self.0.is_empty()
        }
        fn write(&self, sink: &mut dyn Sink) -> Result<(), RenderError> {
            sink.parts(&self.0);
            Ok(())
        }
    }

    fn block(parts: &[&str]) -> Parts {
        Parts(parts.iter().map(|p| part(p.as_bytes().to_vec())).collect())
    }

    impl Sink for Vec<Part> {
        fn parts(&mut self, parts: &[Part]) {
            self.extend(parts.iter().cloned());
        }
    }

    /// The page's bytes, and how many parts were written before the tail.
    fn joined(html: Html<Parts>) -> (String, usize) {
        let mut parts = Vec::new();
        html.write(&mut parts).unwrap();
        let mut s: String = parts
            .iter()
            .map(|p| String::from_utf8(p.to_vec()).unwrap())
            .collect();
        s.push_str(&html.tail);
        (s, parts.len())
    }

    #[test]
    fn blocks_are_spliced_where_the_template_put_them() {
        let html = render_with_blocks(
            vec![block(&["<tr>1</tr>", "<tr>2</tr>"]), block(&["x"])],
            |b| Ok(format!("<table>{}</table><ul>{}</ul></body>", b[0], b[1])),
        )
        .unwrap();
        assert_eq!(html.tail, "</ul></body>");
        assert_eq!(
            joined(html),
            (
                "<table><tr>1</tr><tr>2</tr></table><ul>x</ul></body>".to_string(),
                5
            )
        );
    }

    #[test]
    fn a_template_that_escapes_or_repeats_a_block_gets_the_block_itself() {
        let escaped = render_with_blocks(vec![block(&["<b>", "</b>"])], |b| {
            Ok(b[0].replace('<', "&lt;"))
        })
        .unwrap();
        assert_eq!(joined(escaped).0, "&lt;b>&lt;/b>");
        let twice =
            render_with_blocks(vec![block(&["a", "b"])], |b| Ok(format!("{0}|{0}", b[0]))).unwrap();
        assert_eq!(joined(twice).0, "ab|ab");
        let dropped = render_with_blocks(vec![block(&["a"])], |_| Ok("none".into())).unwrap();
        assert_eq!(joined(dropped).0, "none");
        let empty = render_with_blocks(vec![block(&[]), block(&["b"])], |b| {
            Ok(format!("[{}][{}]", b[0], b[1]))
        })
        .unwrap();
        assert_eq!(joined(empty), ("[][b]".to_string(), 2));
    }
}
