// Progressive enhancement only: every page works without this file.
// Marks the page as enhanced (as GOV.UK Frontend's template does, without an inline script), starts the GOV.UK
// components, and shows the practitioner sheet's print button.
import { initAll } from './govuk/govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()

for (const button of document.querySelectorAll('[data-module="app-print"]')) {
  button.hidden = false
  button.addEventListener('click', () => window.print())
}
