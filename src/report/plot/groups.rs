//! Figures of a group comparison (`--groups`): box and strip plots of one signature's
//! exposure by group, and an exposure heatmap with a group annotation bar. Same
//! conventions as the rest of [`crate::report::plot`]: bytes in memory, embedded font,
//! display-unit axes, nothing random (the strip jitter is a fixed sequence).

use super::*;

/// Colour of group `i` (the signature palette, so the heatmap bar and the boxes agree).
fn group_color(i: usize) -> RGBColor {
    signature_color(i)
}

/// Horizontal offset of the `j`-th point of a strip, in [-0.2, 0.2] of a slot: a
/// low-discrepancy sequence, so the same data always gives the same picture.
fn jitter(j: usize) -> f64 {
    ((j as f64 * 0.618_033_988_75).fract() - 0.5) * 0.4
}

/// Box statistics of some values: (lower whisker, Q1, median, Q3, upper whisker), the
/// whiskers at the most extreme values within 1.5 IQR of the box (Tukey).
fn box_stats(values: &[f64]) -> [f64; 5] {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let q = |p: f64| crate::numeric::quantile(&v, p);
    let (q1, med, q3) = (q(0.25), q(0.5), q(0.75));
    let iqr = q3 - q1;
    let lo = v
        .iter()
        .copied()
        .find(|x| *x >= q1 - 1.5 * iqr)
        .unwrap_or(q1);
    let hi = v
        .iter()
        .rev()
        .copied()
        .find(|x| *x <= q3 + 1.5 * iqr)
        .unwrap_or(q3);
    [lo, q1, med, q3, hi]
}

struct BoxFigure<'a> {
    groups: &'a [String],
    absolute: &'a [Vec<f64>],
    relative: &'a [Vec<f64>],
    title: &'a str,
}

impl Figure for BoxFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError>
    where
        DB::ErrorType: 'static,
    {
        draw_title(root, self.title, 16.0)?;
        let body = root.margin(34, 0, 0, 0);
        let (l, r) = body.split_horizontally(body.dim_in_pixel().0 / 2);
        self.panel(&l, self.absolute, false)?;
        self.panel(&r, self.relative, true)?;
        Ok(())
    }
}

impl BoxFigure<'_> {
    fn panel<DB: DrawingBackend>(
        &self,
        a: &DrawingArea<DB, Shift>,
        values: &[Vec<f64>],
        percent: bool,
    ) -> Result<(), PlotError>
    where
        DB::ErrorType: 'static,
    {
        let k = self.groups.len();
        let base = a.get_base_pixel();
        let scale = if percent { 100.0 } else { 1.0 };
        let max = values
            .iter()
            .flatten()
            .map(|x| saturate(x * scale))
            .fold(0.0f64, f64::max);
        let ya = if max > 0.0 {
            Axis::new(0.0, saturate(max * 1.08))
        } else {
            Axis::new(0.0, 1.0)
        };
        let label_px = 12.0;
        let bottom = (self
            .groups
            .iter()
            .map(|g| text_width(a, &clip_label(g, 24), label_px))
            .max()
            .unwrap_or(0)
            + 14)
            .min(a.dim_in_pixel().1 / 3);
        let mut chart = ChartBuilder::on(a)
            .margin(8)
            .margin_right(14)
            .x_label_area_size(bottom)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..k as f64, ya.range())?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_labels(6)
            .y_label_formatter(&|v| {
                let x = ya.value(*v);
                if percent {
                    format!("{}%", plain_label(x))
                } else {
                    count_label(x)
                }
            })
            .y_desc(if percent {
                "Percent of the sample's mutations"
            } else {
                "Mutations attributed"
            })
            .axis_desc_style(font(13.0))
            .label_style(font(11.0))
            .bold_line_style(RGBColor(225, 225, 225))
            .light_line_style(TRANSPARENT)
            .draw()?;
        for (i, v) in values.iter().enumerate() {
            let c = group_color(i);
            let x = i as f64 + 0.5;
            let s = box_stats(v).map(|y| ya.pos(y * scale));
            chart.draw_series([
                PathElement::new(vec![(x, s[0]), (x, s[1])], BLACK.stroke_width(1)),
                PathElement::new(vec![(x, s[3]), (x, s[4])], BLACK.stroke_width(1)),
                PathElement::new(
                    vec![(x - 0.1, s[0]), (x + 0.1, s[0])],
                    BLACK.stroke_width(1),
                ),
                PathElement::new(
                    vec![(x - 0.1, s[4]), (x + 0.1, s[4])],
                    BLACK.stroke_width(1),
                ),
            ])?;
            chart.draw_series([Rectangle::new(
                [(x - 0.3, s[1]), (x + 0.3, s[3])],
                c.mix(0.25).filled(),
            )])?;
            chart.draw_series([
                Rectangle::new([(x - 0.3, s[1]), (x + 0.3, s[3])], c.stroke_width(1)),
                Rectangle::new([(x - 0.3, s[2]), (x + 0.3, s[2])], BLACK.stroke_width(2)),
            ])?;
            chart.draw_series(v.iter().enumerate().map(|(j, y)| {
                Circle::new((x + jitter(j), ya.pos(y * scale)), 3, c.mix(0.8).filled())
            }))?;
        }
        let pa = chart.plotting_area();
        let y = pa.map_coordinate(&(0.0, ya.lo)).1 - base.1 + 6;
        for (i, g) in self.groups.iter().enumerate() {
            let x = pa.map_coordinate(&(i as f64 + 0.5, ya.lo)).0 - base.0;
            a.draw(&Text::new(
                clip_label(g, 24),
                (x, y),
                text_style(label_px, BLACK, HPos::Center, VPos::Top),
            ))?;
        }
        Ok(())
    }
}

/// Box and strip plot of one signature by group: mutations attributed (left) and percent
/// of each sample's mutations (right); `absolute[g]` and `relative[g]` hold the values of
/// group `g`'s samples (relative as fractions), every group at least one value.
pub fn group_boxes(
    groups: &[String],
    absolute: &[Vec<f64>],
    relative: &[Vec<f64>],
    title: &str,
    canvas: impl Into<Canvas>,
) -> Result<Vec<u8>, PlotError> {
    if groups.is_empty() {
        return Err(PlotError::Input("no groups".into()));
    }
    check_len("absolute", absolute.len(), groups.len())?;
    check_len("relative", relative.len(), groups.len())?;
    for (g, (a, r)) in absolute.iter().zip(relative).enumerate() {
        if a.is_empty() || a.len() != r.len() {
            return Err(PlotError::Input(format!(
                "group {g}: {} absolute and {} relative values",
                a.len(),
                r.len()
            )));
        }
        check_finite("absolute", a)?;
        check_finite("relative", r)?;
    }
    let fig = BoxFigure {
        groups,
        absolute,
        relative,
        title,
    };
    let w = (2 * (140 + 90 * groups.len() as u32)).clamp(700, 4000);
    render(&fig, canvas.into(), (w, 460))
}

struct GroupHeatmap<'a> {
    samples: &'a [String],
    signatures: &'a [String],
    values: &'a [Vec<f64>],
    member: &'a [usize],
    groups: &'a [String],
    title: &'a str,
}

impl Figure for GroupHeatmap<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError>
    where
        DB::ErrorType: 'static,
    {
        let (w, h) = root.dim_in_pixel();
        let (nr, nc) = (self.signatures.len(), self.samples.len());
        draw_title(root, self.title, 18.0)?;
        let label_px = 12.0;
        let row_w = self
            .signatures
            .iter()
            .map(|s| text_width(root, &clip_label(s, 30), label_px))
            .max()
            .unwrap_or(0)
            + 10;
        let legend_w = self
            .groups
            .iter()
            .map(|g| text_width(root, &clip_label(g, 30), label_px))
            .max()
            .unwrap_or(0)
            .max(60)
            + 40;
        let labelled = nc <= MAX_LABELLED_SAMPLES;
        let col_h = if labelled {
            self.samples
                .iter()
                .map(|s| text_width(root, &clip_label(s, 24), 11.0))
                .max()
                .unwrap_or(0)
                + 10
        } else {
            24
        };
        let (bar_top, bar_h) = (40i32, 16i32);
        let top = bar_top + bar_h + 6;
        let left = (row_w as i32).min(w as i32 / 3) + 10;
        let grid_w = (w as i32 - left - legend_w as i32 - 10).max(1) as f64;
        let grid_h = (h as i32 - top - (col_h as i32).min(h as i32 / 3) - 4).max(1) as f64;
        let (cw, ch) = (grid_w / nc as f64, grid_h / nr as f64);
        let xs = |j: usize| left + (j as f64 * cw).round() as i32;
        let ys = |i: usize| top + (i as f64 * ch).round() as i32;
        for (j, &g) in self.member.iter().enumerate() {
            root.draw(&Rectangle::new(
                [(xs(j), bar_top), (xs(j + 1), bar_top + bar_h)],
                group_color(g).filled(),
            ))?;
        }
        draw_cells(root, self.values, &xs, &ys, None)?;
        // group boundaries
        for j in 1..nc {
            if self.member[j] != self.member[j - 1] {
                root.draw(&PathElement::new(
                    vec![(xs(j), bar_top), (xs(j), ys(nr))],
                    BLACK.stroke_width(1),
                ))?;
            }
        }
        draw_row_labels(root, self.signatures, left, &ys, ch, label_px)?;
        let drawn = labelled && draw_col_labels(root, self.samples, &xs, ys(nr), (cw, 11.0, 24))?;
        if !drawn {
            root.draw(&Text::new(
                format!("Samples (n = {nc}), by group"),
                ((xs(0) + xs(nc)) / 2, ys(nr) + 6),
                text_style(13.0, BLACK, HPos::Center, VPos::Top),
            ))?;
        }
        // legend: the groups' colours, then the colour bar (percent of the sample's mutations)
        let lx = w as i32 - legend_w as i32 + 6;
        let mut y = bar_top;
        for (g, name) in self.groups.iter().enumerate() {
            root.draw(&Rectangle::new(
                [(lx, y), (lx + 14, y + 12)],
                group_color(g).filled(),
            ))?;
            root.draw(&Text::new(
                clip_label(name, 30),
                (lx + 20, y + 6),
                text_style(label_px, BLACK, HPos::Left, VPos::Center),
            ))?;
            y += 18;
        }
        draw_colorbar(
            root,
            (lx, 14),
            (y + 14, y + 14 + 160),
            ["100%", "50%", "0%"],
        )?;
        Ok(())
    }
}

/// Heatmap of relative exposures (`values[signature][sample]`, fractions of each
/// sample's mutations, white → dark blue) with a bar above the columns coloured by
/// `member[sample]` (an index into `groups`) and a legend of the groups. The caller
/// orders the samples (by group, for a readable bar).
pub fn group_heatmap(
    samples: &[String],
    signatures: &[String],
    values: &[Vec<f64>],
    member: &[usize],
    groups: &[String],
    title: &str,
    canvas: impl Into<Canvas>,
) -> Result<Vec<u8>, PlotError> {
    if samples.is_empty() || signatures.is_empty() || groups.is_empty() {
        return Err(PlotError::Input("empty group heatmap".into()));
    }
    check_grid("heatmap", values, signatures.len(), samples.len())?;
    check_len("member", member.len(), samples.len())?;
    if let Some(j) = member.iter().position(|&g| g >= groups.len()) {
        return Err(PlotError::Input(format!(
            "sample {j} is in group {} of {}",
            member[j],
            groups.len()
        )));
    }
    let cw = (1400 / samples.len() as u32).clamp(1, 28);
    let ch = (700 / signatures.len() as u32).clamp(8, 26);
    let labels = if samples.len() <= MAX_LABELLED_SAMPLES {
        110
    } else {
        40
    };
    let auto = (
        200 + samples.len() as u32 * cw + 220,
        70 + signatures.len() as u32 * ch + labels,
    );
    let fig = GroupHeatmap {
        samples,
        signatures,
        values,
        member,
        groups,
        title,
    };
    render(
        &fig,
        canvas.into(),
        (auto.0.max(600), auto.1.max(320 + 18 * groups.len() as u32)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_statistics_follow_tukey() {
        let s = box_stats(&[1.0, 2.0, 3.0, 4.0, 100.0]);
        assert_eq!(s, [1.0, 2.0, 3.0, 4.0, 4.0]);
        assert_eq!(box_stats(&[5.0]), [5.0; 5]);
        assert!((0..100).all(|j| jitter(j).abs() <= 0.2));
    }

    #[test]
    fn group_figures_are_valid_svg_and_png_and_refuse_bad_input() {
        let groups = vec!["BRCA1".to_string(), "<none>".to_string()];
        let abs = vec![vec![10.0, 200.0, 30.0], vec![0.0, 5.0]];
        let rel = vec![vec![0.1, 0.5, 0.2], vec![0.0, 0.01]];
        let svg = group_boxes(&groups, &abs, &rel, "SBS3 & co", Format::Svg).unwrap();
        let text = String::from_utf8(svg).unwrap();
        roxmltree::Document::parse(&text).unwrap();
        assert!(text.contains("&lt;none&gt;") && text.contains("BRCA1"));
        let png = group_boxes(&groups, &abs, &rel, "t", Format::Png).unwrap();
        assert!(png.starts_with(b"\x89PNG"));
        assert!(group_boxes(&groups, &abs[..1], &rel, "t", Format::Svg).is_err());
        assert!(group_boxes(&groups, &[vec![], vec![1.0]], &rel, "t", Format::Svg).is_err());

        let samples: Vec<String> = (0..5).map(|i| format!("S{i}")).collect();
        let sigs = vec!["SBS1".to_string(), "SBS3".to_string()];
        let v = vec![vec![0.2, 0.4, 0.9, 0.1, 0.0], vec![0.8, 0.6, 0.1, 0.9, 1.0]];
        let svg = group_heatmap(
            &samples,
            &sigs,
            &v,
            &[0, 0, 0, 1, 1],
            &groups,
            "h",
            Format::Svg,
        )
        .unwrap();
        roxmltree::Document::parse(std::str::from_utf8(&svg).unwrap()).unwrap();
        assert!(
            group_heatmap(
                &samples,
                &sigs,
                &v,
                &[0, 0, 0, 1, 2],
                &groups,
                "h",
                Format::Svg
            )
            .is_err()
        );
        assert!(
            group_heatmap(&samples, &sigs, &v[..1], &[0; 5], &groups, "h", Format::Svg).is_err()
        );
    }
}
