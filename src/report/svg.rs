//! Charts as inline SVG, drawn here so a page needs no script and loads
//! nothing. Colours are the Okabe–Ito palette, which readers with any
//! common colour-vision deficiency can tell apart; every chart also has
//! its numbers written on it and a table beside it.

use super::page::escape;
use std::fmt::Write;

pub const BLUE: &str = "#0072B2";
pub const ORANGE: &str = "#E69F00";
pub const GREEN: &str = "#009E73";
pub const VERMILLION: &str = "#D55E00";
pub const PURPLE: &str = "#CC79A7";

/// Bars past which a chart stops; the table beside it has every row.
pub const MOST_BARS: usize = 40;
/// Rows and columns past which a heat map stops.
pub const MOST_CELLS: usize = 24;

const WIDTH: usize = 720;
const LABEL_WIDTH: usize = 230;
const VALUE_WIDTH: usize = 90;
const ROW: usize = 22;

/// One bar; `limit` draws a marker (an owner's daily cap).
pub struct Bar {
    pub label: String,
    pub value: u64,
    pub colour: &'static str,
    pub limit: Option<u64>,
}

/// A label cut to fit its column (the full text is in the table and in
/// the element's tooltip).
fn fit(label: &str, chars: usize) -> String {
    if label.chars().count() <= chars {
        return label.to_string();
    }
    let cut: String = label.chars().take(chars.saturating_sub(1)).collect();
    format!("{cut}…")
}

fn open_svg(width: usize, height: usize, caption: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" \
         width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{c}\"><title>{c}</title>\n",
        c = escape(caption)
    )
}

/// Horizontal bars with their values, largest scale shared by every bar
/// and marker.
pub fn bars(caption: &str, bars: &[Bar]) -> String {
    let shown = &bars[..bars.len().min(MOST_BARS)];
    let height = ROW * shown.len().max(1) + 8;
    let mut out = open_svg(WIDTH, height, caption);
    let largest = (shown.iter())
        .flat_map(|b| std::iter::once(b.value).chain(b.limit))
        .max()
        .unwrap_or(0)
        .max(1);
    let room = (WIDTH - LABEL_WIDTH - VALUE_WIDTH) as f64;
    let scale = |n: u64| room * n as f64 / largest as f64;
    for (i, bar) in shown.iter().enumerate() {
        let y = 4 + i * ROW;
        let label = escape(&bar.label);
        let _ = write!(
            out,
            "<g><title>{label}: {value}</title>\
             <text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\" font-size=\"13\">{short}</text>\
             <rect x=\"{LABEL_WIDTH}\" y=\"{ry}\" width=\"{w:.1}\" height=\"15\" fill=\"{colour}\"/>\
             <text x=\"{vx:.1}\" y=\"{ty}\" font-size=\"13\">{value}</text>",
            value = bar.value,
            lx = LABEL_WIDTH - 8,
            ty = y + 13,
            short = escape(&fit(&bar.label, 30)),
            ry = y + 2,
            // Any lead at all shows as a sliver.
            w = if bar.value > 0 {
                scale(bar.value).max(1.5)
            } else {
                0.0
            },
            colour = bar.colour,
            vx = LABEL_WIDTH as f64 + scale(bar.value) + 6.0,
        );
        if let Some(limit) = bar.limit {
            let x = LABEL_WIDTH as f64 + scale(limit);
            let _ = write!(
                out,
                "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{}\" y2=\"{}\" stroke=\"#000\" \
                 stroke-width=\"2\" stroke-dasharray=\"3 2\"/>",
                y,
                y + ROW - 2
            );
        }
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
    if bars.len() > shown.len() {
        let _ = writeln!(
            out,
            "<p class=\"note\">The chart shows the first {} of {}; the table has them all.</p>",
            shown.len(),
            bars.len()
        );
    }
    out
}

/// One bar split into parts of a whole, with a legend that gives each
/// part's count.
pub fn share_strip(caption: &str, parts: &[(String, u64, &'static str)]) -> String {
    let total: u64 = parts.iter().map(|p| p.1).sum();
    let mut out = open_svg(WIDTH, 34, caption);
    let mut x = 0.0;
    for (label, n, colour) in parts.iter().filter(|p| p.1 > 0) {
        let w = WIDTH as f64 * *n as f64 / total.max(1) as f64;
        let _ = writeln!(
            out,
            "<rect x=\"{x:.1}\" y=\"2\" width=\"{w:.1}\" height=\"30\" fill=\"{colour}\" \
             stroke=\"#fff\"><title>{}: {n}</title></rect>",
            escape(label)
        );
        x += w;
    }
    out.push_str("</svg>\n<div class=\"legend\">");
    for (label, n, colour) in parts {
        let _ = write!(
            out,
            "<span><span class=\"swatch\" style=\"background:{colour}\"></span>{}: {n} ({:.1}%)</span>",
            escape(label),
            super::page::percent(*n, total)
        );
    }
    out.push_str("</div>\n");
    out
}

/// Counts by row and column as shaded cells (darker: more), each with its
/// number; cells on the diagonal (same row and column name) are outlined.
pub fn heat_map(caption: &str, rows: &[String], columns: &[String], counts: &[Vec<u64>]) -> String {
    const CELL_W: usize = 70;
    const CELL_H: usize = 30;
    const HEAD: usize = 110;
    let rows = &rows[..rows.len().min(MOST_CELLS)];
    let columns = &columns[..columns.len().min(MOST_CELLS)];
    // Room on the right for the last column's slanted label.
    let width = LABEL_WIDTH + CELL_W * columns.len().max(1) + 80;
    let height = HEAD + CELL_H * rows.len().max(1) + 6;
    let largest = counts.iter().flatten().copied().max().unwrap_or(0).max(1);
    let mut out = open_svg(width, height, caption);
    for (j, column) in columns.iter().enumerate() {
        let x = LABEL_WIDTH + j * CELL_W + CELL_W / 2;
        let _ = writeln!(
            out,
            "<text transform=\"translate({x},{y}) rotate(-40)\" font-size=\"12\"><title>{}</title>{}</text>",
            escape(column),
            escape(&fit(column, 16)),
            y = HEAD - 6
        );
    }
    for (i, row) in rows.iter().enumerate() {
        let y = HEAD + i * CELL_H;
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"13\"><title>{}</title>{}</text>",
            LABEL_WIDTH - 8,
            y + 19,
            escape(row),
            escape(&fit(row, 28))
        );
        for (j, column) in columns.iter().enumerate() {
            let n = counts.get(i).and_then(|r| r.get(j)).copied().unwrap_or(0);
            heat_cell(
                &mut out,
                (LABEL_WIDTH + j * CELL_W, y),
                n,
                largest,
                row == column,
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

/// One cell: blue whose strength grows with the square root of the count
/// (so small moves still show), white text on the dark ones.
fn heat_cell(out: &mut String, (x, y): (usize, usize), n: u64, largest: u64, diagonal: bool) {
    let strength = if n == 0 {
        0.0
    } else {
        0.12 + 0.88 * (n as f64 / largest as f64).sqrt()
    };
    let stroke = if diagonal {
        "stroke=\"#000\" stroke-dasharray=\"4 2\""
    } else {
        "stroke=\"#fff\""
    };
    let _ = write!(
        out,
        "<rect x=\"{x}\" y=\"{y}\" width=\"70\" height=\"30\" fill=\"{BLUE}\" fill-opacity=\"{strength:.2}\" {stroke}/>"
    );
    if n > 0 {
        let ink = if strength > 0.55 { "#fff" } else { "#000" };
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"13\" fill=\"{ink}\">{n}</text>",
            x + 35,
            y + 20
        );
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, value: u64) -> Bar {
        Bar {
            label: label.into(),
            value,
            colour: BLUE,
            limit: None,
        }
    }

    #[test]
    fn long_bar_charts_stop_and_say_so() {
        let many: Vec<Bar> = (0..50).map(|i| bar(&format!("q{i}"), i)).collect();
        let chart = bars("many", &many);
        assert_eq!(chart.matches("<rect").count(), MOST_BARS);
        assert!(chart.contains("the first 40 of 50"));
    }

    #[test]
    fn labels_are_escaped_and_cut() {
        let chart = bars("<c>", &[bar(&format!("<script>{}", "x".repeat(40)), 1)]);
        assert!(!chart.contains("<script>") && !chart.contains("<c>"));
        assert!(chart.contains("&lt;script&gt;xxxxxxxxxxxxxxxxxxxxx…"));
    }

    #[test]
    fn heat_maps_stop_at_their_largest_size() {
        let names: Vec<String> = (0..30).map(|i| format!("q{i}")).collect();
        let counts = vec![vec![1; 30]; 30];
        let map = heat_map("big", &names, &names, &counts);
        assert_eq!(map.matches("<rect").count(), MOST_CELLS * MOST_CELLS);
    }
}
