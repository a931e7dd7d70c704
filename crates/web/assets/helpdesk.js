// Small conveniences on top of htmx; every page works without this file.
document.addEventListener('DOMContentLoaded', () => {
  // Show the chosen files and warn at once when one is over the limit (the server checks too).
  for (const input of document.querySelectorAll('input[type=file][data-max-bytes]')) {
    input.addEventListener('change', () => {
      const max = Number(input.dataset.maxBytes), maxFiles = Number(input.dataset.maxFiles || 5);
      const big = [...input.files].filter(f => f.size > max).map(f => f.name);
      let message = '';
      if (input.files.length > maxFiles) message = `At most ${maxFiles} files.`;
      else if (big.length) message = `Too large: ${big.join(', ')}.`;
      input.setCustomValidity(message);
      input.reportValidity();
    });
  }
});
