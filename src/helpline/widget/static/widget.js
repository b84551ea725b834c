// The Helpline chat widget's entry: the one script a website adds (docs/widget.md).
//
//   <script type="module" src="https://helpline.example/widget/v1/widget.js"
//           data-helpline-key="hlw_..." async></script>
//
// Its URL never changes, so it is cached for minutes only. Helpline writes the current version
// (a hash of every file of the widget) in place of the placeholder below when it serves it: the
// widget (main.js) and everything it imports come from that folder, cached for a year, and a
// release moves them all to new URLs at once.
import "./__HELPLINE_WIDGET_VERSION__/main.js";
