// A file over the upload limit: dcc.Upload (max_size) drops it without reading it, and
// without a word. Say why, in the alert named by the drop zone's wrapper (layouts/main.py
// _upload: data-max-upload-bytes, data-alert-id, data-too-large with {size} to fill in).
(function () {
    "use strict";

    function megabytes(bytes) {
        const value = bytes / 1e6;
        return value >= 10 ? Math.round(value).toLocaleString("en") : value.toFixed(1);
    }

    function sayTooLarge(event) {
        const zone = event.target && event.target.closest &&
            event.target.closest("[data-max-upload-bytes]");
        if (!zone) {
            return;
        }
        const files = (event.dataTransfer && event.dataTransfer.files) ||
            (event.target && event.target.files) || [];
        const limit = Number(zone.dataset.maxUploadBytes);
        const large = Array.from(files).filter(file => file.size > limit);
        if (!large.length || !window.dash_clientside || !window.dash_clientside.set_props) {
            return;
        }
        const file = large[0];
        const message = "\u201c" + file.name + "\u201d is " +
            zone.dataset.tooLarge.replace("{size}", megabytes(file.size));
        window.dash_clientside.set_props(zone.dataset.alertId,
                                         {children: message, is_open: true});
    }

    // Capture phase: before the drop zone handles (and forgets) the file.
    document.addEventListener("change", sayTooLarge, true);
    document.addEventListener("drop", sayTooLarge, true);
}());
