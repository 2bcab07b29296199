// Upload page: Uppy Dashboard with the tus plugin against our tus endpoint. File names stay
// in the browser: no metadata field is sent, and the names shown next to each server row are
// filled in here from the tus upload URL.
(function () {
  "use strict";
  var root = document.getElementById("uploader");
  if (!root || !window.Uppy) { return; }
  var names = {};  // tus file id -> local file name (never sent to the server)
  var fr = root.dataset.language === "fr";
  var locale = fr && window.Uppy.locales && window.Uppy.locales.fr_FR;
  var uppy = new Uppy.Uppy({ autoProceed: true, locale: locale || undefined })
    .use(Uppy.Dashboard, {
      target: "#uploader", inline: true, height: 320, proudlyDisplayPoweredByUppy: false,
      fileManagerSelectionType: "both", showProgressDetails: true,
      note: fr ? "DICOM, JPEG ou zip : fichiers, dossier entier ou archive." :
                 "DICOM, JPEG or zip: files, a whole folder or an archive.",
    })
    .use(Uppy.Tus, {
      endpoint: root.dataset.endpoint,
      headers: { "X-CSRFToken": root.dataset.csrf },
      chunkSize: 5 * 1024 * 1024,
      limit: parseInt(root.dataset.parallel, 10) || 4,
      retryDelays: [0, 1000, 3000, 5000, 10000],
      allowedMetaFields: [],
      removeFingerprintOnSuccess: true,
    });

  function idFromUrl(url) {
    var parts = (url || "").split("/");
    return parts[parts.length - 1];
  }
  uppy.on("upload-success", function (file, response) {
    names[idFromUrl(response.uploadURL)] = file.name;
    label();
  });
  uppy.on("progress", function (percent) {
    document.getElementById("overall").value = percent;
    document.getElementById("overall-text").textContent = percent + " %";
  });
  uppy.on("upload-error", function (file, error) {
    var text = (error && error.message) || "";
    uppy.info((fr ? "Échec : " : "Failed: ") + file.name + " — " + text, "error", 8000);
  });

  function label() {
    document.querySelectorAll("td.file-name[data-file-id]").forEach(function (cell) {
      var name = names[cell.dataset.fileId];
      if (name && cell.textContent !== name) { cell.textContent = name; }
    });
  }
  document.body.addEventListener("htmx:afterSwap", label);

  var folder = document.getElementById("folder");
  folder.addEventListener("change", function () {
    Array.prototype.forEach.call(folder.files, function (f) {
      try {
        uppy.addFile({ name: f.webkitRelativePath || f.name, type: f.type, data: f, source: "folder" });
      } catch (e) { /* duplicates are refused by Uppy itself */ }
    });
    folder.value = "";
  });
  window.radchallengeUppy = uppy;
})();
