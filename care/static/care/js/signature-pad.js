/*
 * Signature pad for evidence uploads (care/widgets.py). Pointer events cover mouse, touch and
 * stylus alike. Strokes are drawn in the canvas's own pixels, whatever size CSS gives it, so the
 * box can follow the screen's width (375 px phones) without distorting what is drawn. The PNG
 * goes into the hidden input after each stroke; "Clear" empties both.
 */
(function () {
    "use strict";

    function setUp(root) {
        var canvas = root.querySelector("[data-signature-canvas]");
        var input = root.querySelector("[data-signature-input]");
        var clear = root.querySelector("[data-signature-clear]");
        var status = root.querySelector("[data-signature-status]");
        var context = canvas.getContext("2d");
        var drawing = false;
        var drawn = false;
        var last = null;

        function sizeToScreen() {
            // Only while empty: resizing a canvas wipes it.
            var box = canvas.getBoundingClientRect();
            var ratio = Math.max(window.devicePixelRatio || 1, 1);
            canvas.width = Math.round(box.width * ratio);
            canvas.height = Math.round(box.height * ratio);
            paintBackground();
        }

        function paintBackground() {
            // White, not transparent: the stored PNG reads the same in any viewer.
            context.fillStyle = "#fff";
            context.fillRect(0, 0, canvas.width, canvas.height);
            context.strokeStyle = "#111";
            context.fillStyle = "#111";
            context.lineCap = "round";
            context.lineJoin = "round";
            context.lineWidth = Math.max(2, canvas.width / 220);
        }

        function at(event) {
            var box = canvas.getBoundingClientRect();
            return {
                x: ((event.clientX - box.left) * canvas.width) / box.width,
                y: ((event.clientY - box.top) * canvas.height) / box.height,
            };
        }

        function show() {
            status.textContent = drawn ? root.dataset.signedText : root.dataset.emptyText;
        }

        function save() {
            input.value = drawn ? canvas.toDataURL("image/png") : "";
            show();
        }

        canvas.addEventListener("pointerdown", function (event) {
            event.preventDefault();
            if (canvas.setPointerCapture) {
                canvas.setPointerCapture(event.pointerId);
            }
            drawing = true;
            last = at(event);
            context.beginPath();
            context.arc(last.x, last.y, context.lineWidth / 2, 0, 2 * Math.PI);
            context.fill();
            drawn = true;
        });

        canvas.addEventListener("pointermove", function (event) {
            if (!drawing) {
                return;
            }
            event.preventDefault();
            var point = at(event);
            context.beginPath();
            context.moveTo(last.x, last.y);
            context.lineTo(point.x, point.y);
            context.stroke();
            last = point;
        });

        function stop() {
            if (drawing) {
                drawing = false;
                save();
            }
        }
        canvas.addEventListener("pointerup", stop);
        canvas.addEventListener("pointercancel", stop);
        canvas.addEventListener("pointerleave", stop);

        clear.addEventListener("click", function () {
            drawn = false;
            sizeToScreen();
            save();
        });

        window.addEventListener("resize", function () {
            if (!drawn) {
                sizeToScreen();
            }
        });

        sizeToScreen();
        show();
    }

    function start() {
        Array.prototype.forEach.call(document.querySelectorAll("[data-signature-pad]"), setUp);
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
})();
