//! The one-file HTML report: sections of paragraphs, key–value lists, tables, alerts and
//! images, with every image embedded as a data URI and the style sheet inline, so the file opens
//! anywhere without a network. A small inline script reports, once the page has loaded,
//! how many images decoded (`#image-check`), which the headless-browser test reads.

use super::{ImageFormat, Plot, ReportError, render};

/// A whole report.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Page title (also the top heading).
    pub title: String,
    /// A line under the title (what the report is of, when it was made).
    pub subtitle: String,
    /// Sections, in order.
    pub sections: Vec<Section>,
}

/// One section: a heading and its blocks.
#[derive(Debug, Clone, Default)]
pub struct Section {
    /// Heading.
    pub title: String,
    /// Content, in order.
    pub blocks: Vec<Block>,
}

/// A piece of content.
#[derive(Debug, Clone)]
pub enum Block {
    /// A paragraph of text.
    Text(String),
    /// Label–value pairs, shown as a two-column list.
    Facts(Vec<(String, String)>),
    /// A table; numeric-looking cells are right-aligned.
    Table {
        /// Caption above the table.
        caption: String,
        /// Column headers.
        header: Vec<String>,
        /// Rows (each as long as `header`).
        rows: Vec<Vec<String>>,
    },
    /// A warning the reader must not miss (for example a failed sample-ratio check): a
    /// heading and paragraphs in a red box, announced to screen readers (`role="alert"`).
    Alert {
        /// The warning in a few words, shown in bold.
        title: String,
        /// What was found and what to do, one paragraph each.
        lines: Vec<String>,
    },
    /// An image: encoded bytes and their format, with alternative text.
    Image {
        /// Alternative text (the plot title).
        alt: String,
        /// Encoded image.
        bytes: Vec<u8>,
        /// Its format.
        format: ImageFormat,
    },
}

impl Block {
    /// Renders `plot` as SVG into an image block.
    pub fn plot(plot: &Plot) -> Result<Block, ReportError> {
        Ok(Block::Image {
            alt: plot.title().to_string(),
            bytes: render(plot, ImageFormat::Svg)?,
            format: ImageFormat::Svg,
        })
    }
}

impl Section {
    /// A section with a title and no content yet.
    pub fn new(title: impl Into<String>) -> Self {
        Section {
            title: title.into(),
            blocks: Vec::new(),
        }
    }

    /// Appends a block.
    pub fn push(&mut self, block: Block) -> &mut Self {
        self.blocks.push(block);
        self
    }
}

const STYLE: &str = "body{font-family:-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;\
max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\
h1{margin-bottom:0.2em}.sub{color:#666;margin-top:0}\
h2{border-bottom:2px solid #ddd;padding-bottom:0.2em;margin-top:2em}\
nav a{margin-right:1em}table{border-collapse:collapse;margin:0.6em 0 1.4em;font-size:0.92em}\
caption{text-align:left;font-weight:600;padding:0.3em 0}\
th,td{border:1px solid #ddd;padding:0.25em 0.6em}th{background:#f4f4f4}\
td.n{text-align:right;font-variant-numeric:tabular-nums}\
dl{display:grid;grid-template-columns:max-content auto;gap:0.2em 1.2em}dt{color:#555}dd{margin:0}\
figure{margin:1em 0}img{max-width:100%;height:auto;border:1px solid #eee}\
#image-check{color:#888;font-size:0.8em;margin-top:3em}\
.alert{border:3px solid #b00020;background:#fdecea;color:#5f0010;padding:0.6em 1em;\
margin:1em 0}.alert strong{font-size:1.15em;display:block}.alert p{margin:0.3em 0}\
nav a.warn{color:#b00020;font-weight:600}";

const SCRIPT: &str = "window.addEventListener('load',function(){var im=document.images,ok=0;\
for(var i=0;i<im.length;i++){if(im[i].complete&&im[i].naturalWidth>0){ok++;}}\
document.getElementById('image-check').textContent='images loaded: '+ok+'/'+im.length;});";

/// The report as one self-contained HTML document.
pub fn to_html(report: &Report) -> String {
    let mut h = String::with_capacity(1 << 16);
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str(&format!("<title>{}</title>\n", escape(&report.title)));
    h.push_str(&format!("<style>{STYLE}</style>\n</head>\n<body>\n"));
    h.push_str(&format!("<h1>{}</h1>\n", escape(&report.title)));
    if !report.subtitle.is_empty() {
        h.push_str(&format!(
            "<p class=\"sub\">{}</p>\n",
            escape(&report.subtitle)
        ));
    }
    h.push_str("<nav>");
    for (i, s) in report.sections.iter().enumerate() {
        let warn = s.blocks.iter().any(|b| matches!(b, Block::Alert { .. }));
        h.push_str(&format!(
            "<a href=\"#s{i}\"{}>{}{}</a>",
            if warn { " class=\"warn\"" } else { "" },
            if warn { "⚠ " } else { "" },
            escape(&s.title)
        ));
    }
    h.push_str("</nav>\n");
    for (i, s) in report.sections.iter().enumerate() {
        h.push_str(&format!(
            "<section id=\"s{i}\">\n<h2>{}</h2>\n",
            escape(&s.title)
        ));
        for b in &s.blocks {
            block_html(b, &mut h);
        }
        h.push_str("</section>\n");
    }
    h.push_str("<p id=\"image-check\">images not checked (scripts disabled)</p>\n");
    h.push_str(&format!("<script>{SCRIPT}</script>\n</body>\n</html>\n"));
    h
}

fn block_html(b: &Block, h: &mut String) {
    match b {
        Block::Text(t) => h.push_str(&format!("<p>{}</p>\n", escape(t))),
        Block::Facts(kv) => {
            h.push_str("<dl>");
            for (k, v) in kv {
                h.push_str(&format!("<dt>{}</dt><dd>{}</dd>", escape(k), escape(v)));
            }
            h.push_str("</dl>\n");
        }
        Block::Table {
            caption,
            header,
            rows,
        } => {
            h.push_str("<table>");
            if !caption.is_empty() {
                h.push_str(&format!("<caption>{}</caption>", escape(caption)));
            }
            h.push_str("<thead><tr>");
            for c in header {
                h.push_str(&format!("<th>{}</th>", escape(c)));
            }
            h.push_str("</tr></thead><tbody>\n");
            for r in rows {
                h.push_str("<tr>");
                for c in r {
                    let class = if looks_numeric(c) { " class=\"n\"" } else { "" };
                    h.push_str(&format!("<td{class}>{}</td>", escape(c)));
                }
                h.push_str("</tr>\n");
            }
            h.push_str("</tbody></table>\n");
        }
        Block::Alert { title, lines } => {
            h.push_str(&format!(
                "<div class=\"alert\" role=\"alert\"><strong>{}</strong>",
                escape(title)
            ));
            for l in lines {
                h.push_str(&format!("<p>{}</p>", escape(l)));
            }
            h.push_str("</div>\n");
        }
        Block::Image { alt, bytes, format } => {
            h.push_str(&format!(
                "<figure><img alt=\"{}\" src=\"data:{};base64,{}\"></figure>\n",
                escape(alt),
                format.mime_type(),
                base64(bytes)
            ));
        }
    }
}

fn looks_numeric(s: &str) -> bool {
    let t = s.trim().trim_end_matches('%');
    !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '+' | 'e' | 'E'))
        && t.chars().any(|c| c.is_ascii_digit())
}

/// HTML-escapes text for element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Standard base64 (RFC 4648, with padding).
pub fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(A[((v >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), want, "{input}");
        }
    }

    #[test]
    fn text_is_escaped_and_images_are_embedded() {
        let mut s = Section::new("Fit <1>");
        s.push(Block::Text("a & b".into()));
        s.push(Block::Table {
            caption: "t".into(),
            header: vec!["name".into(), "value".into()],
            rows: vec![vec!["<r>".into(), "0.25".into()]],
        });
        s.push(Block::Image {
            alt: "plot".into(),
            bytes: b"<svg/>".to_vec(),
            format: ImageFormat::Svg,
        });
        let html = to_html(&Report {
            title: "T".into(),
            subtitle: String::new(),
            sections: vec![s],
        });
        assert!(html.contains("Fit &lt;1&gt;") && html.contains("a &amp; b"));
        assert!(html.contains("<td>&lt;r&gt;</td><td class=\"n\">0.25</td>"));
        assert!(html.contains("src=\"data:image/svg+xml;base64,PHN2Zy8+\""));
        assert!(!html.contains("http://") && !html.contains("https://"));
        assert!(!html.contains("role=\"alert\"") && !html.contains("class=\"warn\""));
    }

    #[test]
    fn an_alert_is_escaped_and_flags_its_section_in_the_navigation() {
        let mut quiet = Section::new("Model");
        quiet.push(Block::Text("fine".into()));
        let mut loud = Section::new("Uplift");
        loud.push(Block::Alert {
            title: "Mismatch <p 0.001".into(),
            lines: vec!["do not trust & fix".into(), "second".into()],
        });
        let html = to_html(&Report {
            title: "T".into(),
            subtitle: String::new(),
            sections: vec![quiet, loud],
        });
        assert!(html.contains(
            "<div class=\"alert\" role=\"alert\"><strong>Mismatch &lt;p 0.001</strong>\
             <p>do not trust &amp; fix</p><p>second</p></div>"
        ));
        assert!(html.contains("<a href=\"#s0\">Model</a>"));
        assert!(html.contains("<a href=\"#s1\" class=\"warn\">⚠ Uplift</a>"));
    }
}
