/* Recolouring the Cells map without plotly's full redraw (issue 9 item 6).
 *
 * Plotly.restyle (and Plotly.react, which dcc.Graph calls for a Patch) of
 * marker.color on a 100,000-point scattergl trace recomputes everything: 0.4-0.6 s
 * in software WebGL, of which ~0.26 s turn each point's colour into an rgba string
 * and parse it back, and ~0.07 s rebuild the point index the positions already have.
 * Only the colours change on a recolour, so this writes them straight into the
 * trace's WebGL buffers (a 256-entry colour table, one lookup per cell) and keeps
 * plotly's own state in step, so that hover, lasso, zoom and a later redraw all see
 * the new colours:
 *   - gd.data / gd._fullData marker (color codes, colorscale, cmin, cmax, showscale,
 *     colorbar) as a restyle would have set them;
 *   - the scene's marker options (what a zoom or a selection re-uploads);
 *   - the colour bar and the category names: drawn over the map in HTML (plotly's
 *     own update of them recalculates every point's colour: ~1 s), and moved with
 *     the axes on a zoom.
 * The spec comes from the server (views/cells_callbacks.py recolour_spec).
 */
(function () {
    'use strict';

    function parseColor(text) {
        const hex = /^#([0-9a-f]{6})$/i.exec(text);
        if (hex) {
            const v = parseInt(hex[1], 16);
            return [(v >> 16) & 255, (v >> 8) & 255, v & 255, 1];
        }
        const rgb = /^rgba?\(([^)]*)\)$/i.exec(text);
        if (rgb) {
            const p = rgb[1].split(',').map(Number);
            return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
        }
        return null;
    }

    /* Colour (floats 0..1, as plotly hands them to regl) of each code 0..levels-1:
     * code -> (code - cmin) / (cmax - cmin) on the colorscale, linear in RGB between
     * stops (a stepped scale, two stops at one place, gives flat steps). */
    function colourTable(colorscale, cmin, cmax, levels) {
        const stops = colorscale.map(s => [Number(s[0]), parseColor(s[1])]);
        const table = new Array(levels);
        for (let code = 0; code < levels; code++) {
            const t = Math.min(1, Math.max(0, (code - cmin) / (cmax - cmin)));
            let i = 0;
            while (i < stops.length - 2 && stops[i + 1][0] <= t) i++;
            const [t0, c0] = stops[i], [t1, c1] = stops[Math.min(i + 1, stops.length - 1)];
            const f = t1 > t0 ? Math.min(1, Math.max(0, (t - t0) / (t1 - t0))) : 0;
            table[code] = [0, 1, 2].map(k => (c0[k] + f * (c1[k] - c0[k])) / 255)
                .concat([c0[3] + f * (c1[3] - c0[3])]);
        }
        return table;
    }

    function decode(spec) {
        if (!spec || !spec.bdata) return spec;
        const raw = atob(spec.bdata);
        const bytes = new Uint8Array(raw.length);
        for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
        const types = {u1: Uint8Array, u2: Uint16Array, u4: Uint32Array, f4: Float32Array,
                       f8: Float64Array};
        return new types[spec.dtype](bytes.buffer);
    }

    /* Whether the map can be recoloured in place: one drawn scattergl trace of as
     * many points as codes, its scene built. Else the caller redraws with plotly. */
    function canRecolour(gd, n) {
        const full = gd && gd._fullData && gd._fullData[0];
        const plot = gd && gd._fullLayout && gd._fullLayout._plots && gd._fullLayout._plots.xy;
        const scene = plot && plot._scene;
        return !!(full && full.type === 'scattergl' && full._length === n && scene &&
                  scene.scatter2d && scene.scatter2d.update && scene.markerOptions &&
                  scene.markerOptions[0] && scene.markerOptions[0].colors);
    }

    /* Recolour trace 0 of the plotly graph ``gd`` with ``spec``: {color (codes, a
     * typed-array spec or array), colorscale, cmin, cmax, showscale, colorbar,
     * customdata, hovertemplate}. Returns false (nothing done) when it cannot. */
    function recolour(gd, spec) {
        const codes = decode(spec.color);
        if (!canRecolour(gd, codes.length)) return false;
        const scene = gd._fullLayout._plots.xy._scene;
        const marker = {color: codes, colorscale: spec.colorscale, cmin: spec.cmin,
                        cmax: spec.cmax, showscale: spec.showscale,
                        colorbar: spec.colorbar || {}};
        const levels = Math.max(1, Math.ceil(spec.cmax) + 1);
        const table = colourTable(spec.colorscale, spec.cmin, spec.cmax, levels);
        const colours = new Array(codes.length);
        for (let i = 0; i < codes.length; i++) colours[i] = table[codes[i]];
        scene.markerOptions[0].colors = colours;
        const update = scene.markerOptions.map((_, i) => (i === 0 ? {colors: colours} : {}));
        scene.scatter2d.update(update);
        if (scene.select2d) scene.select2d.update(update);
        // plotly's state, as a restyle would leave it (hover reads _fullData)
        const trace = gd.data[0], full = gd._fullData[0];
        trace.marker = Object.assign({}, trace.marker, marker);
        Object.assign(full.marker, marker, {_cmin: spec.cmin, _cmax: spec.cmax});
        if (full._input) full._input.marker = trace.marker;
        trace.customdata = spec.customdata === undefined ? trace.customdata : spec.customdata;
        full.customdata = trace.customdata;
        if (spec.hovertemplate) trace.hovertemplate = full.hovertemplate = spec.hovertemplate;
        scene.draw();
        return true;
    }

    /* The colour bar and the category names, drawn over the map in HTML: plotly's
     * own (restyle/relayout) recalculates every point's colour again (~1 s). Plotly's
     * trace says what is shown (showscale, colorbar); its drawn bar and names are
     * taken off the page and its laid-out names emptied (a zoom redraws those). */
    function removePlotlyDecorations(gd) {
        if (gd.layout) gd.layout.annotations = [];
        if (gd._fullLayout) gd._fullLayout.annotations = [];
        gd.querySelectorAll('.annotation, .colorbar').forEach(node => node.remove());
    }

    function overlayOf(gd) {
        let overlay = gd.querySelector(':scope > .rnaclust-overlay');
        if (!overlay) {
            overlay = document.createElement('div');
            overlay.className = 'rnaclust-overlay';
            overlay.style.cssText = 'position:absolute;left:0;top:0;width:100%;' +
                'height:100%;pointer-events:none;font:12px sans-serif;';
            if (getComputedStyle(gd).position === 'static') gd.style.position = 'relative';
            gd.appendChild(overlay);
            // a zoom or pan moves the names; a new figure from the server clears them
            gd.on('plotly_afterplot', () => placeOverlay(gd));
        }
        return overlay;
    }

    function cssGradient(colorscale) {
        return 'linear-gradient(to right, ' + colorscale.map(
            stop => stop[1] + ' ' + (100 * Number(stop[0])).toFixed(2) + '%').join(', ') + ')';
    }

    function colourBar(spec) {
        const bar = spec.colorbar || {};
        const box = document.createElement('div');
        box.className = 'rnaclust-colorbar';
        box.style.cssText = 'position:absolute;background:rgba(255,255,255,0.85);' +
            'padding:4px 10px 2px;border-radius:3px;';
        const title = document.createElement('div');
        title.textContent = (bar.title || {}).text || '';
        title.style.fontWeight = 'bold';
        const ramp = document.createElement('div');
        ramp.style.cssText = 'width:140px;height:10px;background:' +
            cssGradient(spec.colorscale) + ';';
        const ticks = document.createElement('div');
        ticks.style.cssText = 'position:relative;width:140px;height:14px;font-size:10px;';
        (bar.tickvals || []).forEach((value, i) => {
            const tick = document.createElement('span');
            const at = (value - spec.cmin) / (spec.cmax - spec.cmin);
            tick.textContent = (bar.ticktext || [])[i] || String(value);
            tick.style.cssText = 'position:absolute;transform:translateX(-50%);left:' +
                (100 * at).toFixed(1) + '%;';
            ticks.appendChild(tick);
        });
        box.append(title, ramp, ticks);
        return box;
    }

    function nameLabel(note) {
        const label = document.createElement('div');
        label.className = 'rnaclust-name';
        label.textContent = String(note.text).replace(/<[^>]*>/g, '');
        label.style.cssText = 'position:absolute;transform:translate(-50%,-50%);' +
            'font-weight:bold;font-size:13px;color:#111;background:rgba(255,255,255,0.7);' +
            'padding:0 2px;white-space:nowrap;';
        label.dataset.x = note.x;
        label.dataset.y = note.y;
        return label;
    }

    /* Put the overlay's parts where the axes now are, after any redraw by plotly. A new
     * figure from the server (other trace objects) clears it; any other redraw (a zoom,
     * or dcc.Graph drawing its figure again after a lasso: its layout still holds the
     * names of the colours it was sent with) has its bar and names taken off again. */
    function placeOverlay(gd) {
        const overlay = gd.querySelector(':scope > .rnaclust-overlay');
        const layout = gd._fullLayout;
        if (!overlay || !overlay.spec || !layout || !layout.xaxis) return;
        if (overlay.trace !== gd.data[0]) {
            overlay.replaceChildren();
            overlay.trace = overlay.spec = null;
            return;
        }
        removePlotlyDecorations(gd);
        const size = layout._size, xa = layout.xaxis, ya = layout.yaxis;
        overlay.querySelectorAll('.rnaclust-name').forEach(label => {
            const x = xa.l2p(Number(label.dataset.x)), y = ya.l2p(Number(label.dataset.y));
            const inside = x >= 0 && x <= size.w && y >= 0 && y <= size.h;
            label.style.display = inside ? '' : 'none';
            label.style.left = (size.l + x) + 'px';
            label.style.top = (size.t + y) + 'px';
        });
        const bar = overlay.querySelector('.rnaclust-colorbar');
        if (bar) {
            bar.style.right = (layout.width - size.l - size.w + 6) + 'px';
            bar.style.top = (size.t + 28) + 'px';  // below plotly's mode bar
        }
    }

    function drawDecorations(gd, spec) {
        removePlotlyDecorations(gd);
        const overlay = overlayOf(gd);
        overlay.trace = gd.data[0];
        overlay.spec = spec;
        const parts = (spec.annotations || []).map(nameLabel);
        if (spec.showscale) parts.push(colourBar(spec));
        overlay.replaceChildren(...parts);
        placeOverlay(gd);
    }

    /* The slow path (a graph not drawn as expected): plotly's own restyle. */
    function restyle(gd, spec) {
        const marker = {'marker.color': [decode(spec.color)],
                        'marker.colorscale': [spec.colorscale], 'marker.cmin': spec.cmin,
                        'marker.cmax': spec.cmax, 'marker.showscale': spec.showscale,
                        'marker.colorbar': [spec.colorbar || {}]};
        if (spec.hovertemplate) marker.hovertemplate = spec.hovertemplate;
        if (spec.customdata !== undefined) marker.customdata = [spec.customdata];
        return window.Plotly.update(gd, marker, {annotations: spec.annotations || []}, [0]);
    }

    /* Clientside callback (views/cells_callbacks.py): recolour the graph in the
     * component ``graphId`` with ``spec``; returns the spec's title (a store). */
    function recolourCallback(spec, graphId) {
        const noUpdate = window.dash_clientside.no_update;
        const host = document.getElementById(graphId);
        const gd = host && (host.classList.contains('js-plotly-plot') ? host :
                            host.querySelector('.js-plotly-plot'));
        if (!spec || !gd || !gd._fullData) return noUpdate;
        if (recolour(gd, spec)) {
            drawDecorations(gd, spec);
            if (gd.emit) gd.emit('rnaclust_recoloured');
        } else {
            restyle(gd, spec);
        }
        return ((spec.colorbar || {}).title || {}).text || 'recoloured';
    }

    window.rnaclustCells = {recolour: recolour, colourTable: colourTable, decode: decode};
    window.dash_clientside = window.dash_clientside || {};
    window.dash_clientside.cells = Object.assign(window.dash_clientside.cells || {},
                                                 {recolour: recolourCallback});
}());
