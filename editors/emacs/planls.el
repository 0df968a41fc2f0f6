;;; planls.el --- planls language server for planning folders, through eglot  -*- lexical-binding: t; -*-

;; Copyright (c) 2026 The planls authors
;; SPDX-License-Identifier: MIT

;; Version: 0.1.0
;; Package-Requires: ((emacs "27.1") (eglot "1.9"))
;; Keywords: languages, tools, markdown

;;; Commentary:

;; Registers the planls language server with eglot for Markdown planning
;; folders (any `<x>/.engineering/artifacts/planning/<name>/' and any folder
;; holding a START-HERE.md), in `markdown-mode', `gfm-mode' and in the
;; `fundamental-mode' a bare Emacs gives `.md' files (sent to the server as
;; languageId "markdown").  The workspace root is the nearest ancestor of the
;; planning folder holding `.git' or `.planls.json', else the folder above
;; `.engineering', else the planning folder itself.
;;
;; Setup:
;;
;;   (require 'planls)
;;   (add-hook 'markdown-mode-hook #'planls-ensure)
;;   (add-hook 'gfm-mode-hook #'planls-ensure)
;;   (add-hook 'find-file-hook #'planls-ensure)  ; .md in fundamental-mode
;;
;; `planls-ensure' starts eglot only for files in a planning folder, so it is
;; safe on every Markdown buffer.  Rule severities: customize `planls-rules'.
;;
;; This file never edits buffers or files itself: every change comes from
;; the server as an edit that eglot applies.

;;; Code:

(require 'cl-lib)
(require 'eglot)
(require 'project)
(require 'subr-x)

(defgroup planls nil
  "The planls language server for Markdown planning folders."
  :group 'tools
  :prefix "planls-")

(defcustom planls-command '("planls" "--stdio")
  "The planls server command: the program and its arguments."
  :type '(repeat string)
  :group 'planls)

(defcustom planls-rules nil
  "Severity per planls rule code, overriding `.planls.json'.
An alist of (CODE . SEVERITY), e.g. ((\"PL030\" . \"off\")).  Sent to
the server as initializationOptions and as the answer to
workspace/configuration section \"planls\"."
  :type '(alist :key-type (string :tag "Rule code (PLnnn)")
                :value-type (choice (const "off") (const "error") (const "warning")
                                    (const "info") (const "hint")))
  :group 'planls)

(defcustom planls-modes '(markdown-mode gfm-mode fundamental-mode)
  "Major modes whose buffers in a planning folder are managed by planls.
`fundamental-mode' is what a bare Emacs opens `.md' files in."
  :type '(repeat symbol)
  :group 'planls)

(defcustom planls-planning-roots '(".engineering/artifacts/planning")
  "Folders (relative to a workspace) whose sub-folders are planning folders."
  :type '(repeat string)
  :group 'planls)

(defcustom planls-root-markers '(".git" ".planls.json")
  "Files or folders that mark the workspace root of a planning folder."
  :type '(repeat string)
  :group 'planls)

(defclass planls-server (eglot-lsp-server) ()
  :documentation "An eglot connection to planls.")

(defun planls--dir (path)
  "The directory PATH names, absolute, without a trailing slash."
  (directory-file-name (expand-file-name path)))

(defun planls--parent (dir)
  "DIR's parent directory, or nil at the file-system root."
  (let ((p (directory-file-name (file-name-directory (directory-file-name dir)))))
    (unless (string= p dir) p)))

(defun planls-planning-folder (file)
  "The planning folder holding FILE, or nil.
Returns (FOLDER . LAYOUT-ROOT): LAYOUT-ROOT is the folder above the
planning root (`.engineering') when FILE is under one, else nil."
  (let* ((file (expand-file-name file))
         (dir (planls--dir (file-name-directory file)))
         (found nil))
    (let ((d dir))
      (while (and d (not found))
        (let ((parent (planls--parent d)))
          (when parent
            (dolist (r planls-planning-roots)
              (let ((suffix (concat "/" (directory-file-name r))))
                (when (and (not found) (string-suffix-p suffix parent))
                  (let ((above (substring parent 0 (- (length parent) (length suffix)))))
                    (setq found (cons d (if (string-empty-p above) "/" above))))))))
          (setq d parent))))
    (or found
        (and (or (string= (file-name-nondirectory file) "START-HERE.md")
                 (file-exists-p (expand-file-name "START-HERE.md" dir)))
             (cons dir nil)))))

(defun planls-root (file)
  "The workspace root directory for FILE, or nil outside planning folders.
The nearest ancestor of the planning folder holding one of
`planls-root-markers', else the folder above `.engineering', else
the planning folder."
  (when-let ((pf (planls-planning-folder file)))
    (let ((d (car pf)) (root nil))
      (while (and d (not root))
        (when (cl-some (lambda (m) (file-exists-p (expand-file-name m d)))
                       planls-root-markers)
          (setq root d))
        (setq d (planls--parent d)))
      (file-name-as-directory (or root (cdr pf) (car pf))))))

;; A project type of our own so that eglot's workspace root follows the rule
;; above, and only when eglot asks (`eglot-lsp-context').
(defun planls--project-find (_dir)
  "A planls project for the current buffer when eglot asks, else nil."
  (when (and (bound-and-true-p eglot-lsp-context)
             buffer-file-name
             (memq major-mode planls-modes))
    (when-let ((root (planls-root buffer-file-name)))
      (cons 'planls root))))

(cl-defmethod project-root ((project (head planls)))
  (cdr project))

(defun planls--settings ()
  "The planls configuration object (the `.planls.json' shape) as a plist."
  (let ((rules (cl-loop for (code . sev) in planls-rules
                        append (list (intern (concat ":" code))
                                     (if (symbolp sev) (symbol-name sev) sev)))))
    (list :rules (or rules eglot--{}))))

(cl-defmethod eglot-initialization-options ((_server planls-server))
  "initializationOptions for planls: `planls-rules'."
  (planls--settings))

(cl-defmethod eglot-handle-request
  ((_server planls-server) (_method (eql workspace/configuration)) &key items)
  "Answer section \"planls\" from `planls-rules' unless
`eglot-workspace-configuration' sets it."
  (let ((answers (cl-call-next-method)))
    (apply #'vector
           (cl-loop for item across (if (vectorp items) items (vconcat items))
                    for answer across answers
                    collect (if (and (null answer)
                                     (equal (plist-get item :section) "planls"))
                                (planls--settings)
                              answer)))))

(defun planls--contact (&optional _interactive)
  "The eglot contact for planls: our server class and `planls-command'."
  (cons 'planls-server planls-command))

(defun planls--register ()
  "Put planls first in `eglot-server-programs' for `planls-modes'."
  (setq eglot-server-programs
        (cl-remove-if (lambda (e) (eq (cdr e) #'planls--contact)) eglot-server-programs))
  (push (cons (mapcar (lambda (m) (list m :language-id "markdown")) planls-modes)
              #'planls--contact)
        eglot-server-programs))

;;;###autoload
(defun planls-ensure ()
  "Start planls (through `eglot-ensure') when the buffer is a planning document.
For `markdown-mode-hook', `gfm-mode-hook' and `find-file-hook'."
  (when (and buffer-file-name
             (string-suffix-p ".md" buffer-file-name t)
             (memq major-mode planls-modes)
             (planls-root buffer-file-name)
             (not (bound-and-true-p eglot--managed-mode)))
    (planls--register)
    (eglot-ensure)))

(planls--register)
(add-hook 'project-find-functions #'planls--project-find)

(provide 'planls)
;;; planls.el ends here
