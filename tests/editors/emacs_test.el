;;; emacs_test.el --- batch test of editors/emacs/planls.el against the real server  -*- lexical-binding: t; -*-

;; PLANLS_BIN=path/to/planls emacs -Q --batch -l tests/editors/emacs_test.el
;; Optional: PLANLS_EXAMPLE=<a clean planning folder> (default: the first
;; folder under examples/.engineering/artifacts/planning/).
;;
;; Copies the example folder into a temporary workspace, plants one defect
;; (an invalid **Priority:** in the first plan), opens it in the mode a bare
;; Emacs gives `.md' files, lets `planls-ensure' start eglot and asserts what
;; the server answers: flymake diagnostics, an xref definition, and that an
;; edit clears the defect.  Prints one line per check and "N passed, N
;; failed"; exits non-zero on any failure.

;;; Code:

(require 'cl-lib)
(require 'subr-x)
(require 'package)

(defvar planls-test--passed 0)
(defvar planls-test--failed 0)

(defun planls-test--out (fmt &rest args)
  "Print FMT with ARGS and a newline on stdout."
  (princ (concat (apply #'format fmt args) "\n")))

(defun planls-test--check (name ok &optional detail)
  "Record check NAME as passed when OK, else failed with DETAIL."
  (if ok
      (progn (cl-incf planls-test--passed) (planls-test--out "ok - %s" name))
    (cl-incf planls-test--failed)
    (planls-test--out "not ok - %s%s" name (if detail (concat ": " detail) "")))
  ok)

(defun planls-test--wait (pred seconds)
  "Process server output until PRED returns non-nil or SECONDS pass.
Returns PRED's last value."
  (let ((deadline (+ (float-time) seconds)) (v nil))
    (while (and (not (setq v (funcall pred))) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    v))

(defvar planls-test--repo
  (expand-file-name "../.." (file-name-directory (or load-file-name buffer-file-name))))

;; Debian's elpa-* packages (eglot 1.9 and the newer xref/project it needs)
;; live here; `emacs -Q' does not look there by itself.
(setq package-directory-list (list "/usr/share/emacs/site-lisp/elpa"))
(setq package-user-dir (make-temp-file "planls-elpa" t))
(package-initialize)
(push (expand-file-name "editors/emacs" planls-test--repo) load-path)
(require 'planls)
(require 'flymake)
(require 'xref)
(require 'json)

(setq eglot-sync-connect t
      eglot-connect-timeout 20
      eglot-autoshutdown nil
      make-backup-files nil
      create-lockfiles nil)

(defun planls-test--md-files (dir)
  "Sorted `.md' file names in DIR."
  (sort (directory-files dir nil "\\.md\\'") #'string<))

(defun planls-test--flymake-codes ()
  "The flymake diagnostics of the current buffer, as \"text@line\" strings."
  (mapcar (lambda (d)
            (format "%s@%d" (flymake-diagnostic-text d)
                    (line-number-at-pos (flymake-diagnostic-beg d))))
          (flymake-diagnostics)))

(defun planls-test--planted-diag ()
  "The flymake diagnostic for the planted PL012, or nil."
  (flymake-start)
  (cl-find-if (lambda (d) (string-match-p "\\[PL012\\]" (flymake-diagnostic-text d)))
              (flymake-diagnostics)))

(cl-defun planls-test--run ()
  "Run every check."
  (let* ((bin (getenv "PLANLS_BIN"))
         (example (getenv "PLANLS_EXAMPLE")))
    (unless (and bin (not (string-empty-p bin)) (file-executable-p bin))
      (error "Set PLANLS_BIN to the planls binary (got %S)" bin))
    (setq bin (expand-file-name bin))
    (when (or (null example) (string-empty-p example))
      (let ((base (expand-file-name "examples/.engineering/artifacts/planning" planls-test--repo)))
        (setq example (and (file-directory-p base)
                           (car (sort (cl-remove-if-not
                                       #'file-directory-p
                                       (directory-files base t "\\`[^.]"))
                                      #'string<))))))
    (unless (and example (file-directory-p example))
      (error "No example planning folder found"))
    (setq example (directory-file-name (expand-file-name example)))
    (let* ((tmp (make-temp-file "planls-emacs" t))
           (ws (expand-file-name "ws" tmp))
           (planning (expand-file-name ".engineering/artifacts/planning" ws))
           (folder (expand-file-name (file-name-nondirectory example) planning))
           plan-name plan plan-buf server)
      ;; The whole planning root, so links to siblings (../_work-package.md)
      ;; hold.
      (copy-directory (file-name-directory example) planning nil t t)
      ;; Plant the defect: the first plan's Priority becomes URGENT.
      (setq plan-name (cl-find-if (lambda (n) (string-match-p "\\`[0-9][0-9]+-.*-plan\\.md\\'" n))
                                  (planls-test--md-files folder)))
      (unless plan-name (error "No plan file in %s" example))
      (setq plan (expand-file-name plan-name folder))
      (with-temp-buffer
        (insert-file-contents plan)
        (goto-char (point-min))
        (unless (re-search-forward "^\\*\\*Priority:\\*\\* \\(.*\\)$" nil t)
          (error "%s has no **Priority:** line" plan-name))
        (replace-match "URGENT" t t nil 1)
        (write-region (point-min) (point-max) plan nil 'silent))

      (setq planls-command (list bin "--stdio")
            ;; PL012 (an error by default) as info: proves the rules
            ;; reach the server.
            planls-rules '(("PL012" . "info")))
      (add-hook 'find-file-hook #'planls-ensure)

      (planls-test--check "planls-root is the folder above .engineering"
                          (equal (planls-root plan) (file-name-as-directory ws))
                          (format "got %S" (planls-root plan)))

      (setq plan-buf (find-file-noselect plan))
      (set-buffer plan-buf)
      (planls-test--check "a bare Emacs opens the plan in fundamental-mode"
                          (eq major-mode 'fundamental-mode) (format "%s" major-mode))
      ;; eglot-ensure connects from post-command-hook: run it as the command
      ;; loop would after the find-file command.
      (run-hooks 'post-command-hook)
      (setq server (planls-test--wait (lambda () (and eglot--managed-mode (eglot-current-server))) 20))
      (unless (planls-test--check "eglot manages the plan with planls" server)
        (cl-return-from planls-test--run))
      (planls-test--check "the server is a planls-server" (cl-typep server 'planls-server))
      (planls-test--check "documents go out with languageId markdown"
                          (equal (eglot--language-id server) "markdown")
                          (format "%S" (eglot--language-id server)))
      (let ((answer (eglot-handle-request server 'workspace/configuration
                                          :items (vector (list :section "planls")))))
        (planls-test--check "workspace/configuration section planls answers planls-rules"
                            (equal (json-encode (aref answer 0)) "{\"rules\":{\"PL012\":\"info\"}}")
                            (format "%S" answer)))
      (planls-test--check "eglot's project root is the workspace"
                          (equal (file-name-as-directory (project-root (eglot--project server)))
                                 (file-name-as-directory ws))
                          (format "got %S" (project-root (eglot--project server))))

      ;; 1. Flymake diagnostics from the server.
      (planls-test--wait #'planls-test--planted-diag 15)
      (let ((d (planls-test--planted-diag)))
        (planls-test--check "flymake shows PL012 on the planted Priority"
                            (and d (string-match-p "\\*\\*Priority:\\*\\*"
                                                   (save-excursion
                                                     (goto-char (flymake-diagnostic-beg d))
                                                     (buffer-substring (line-beginning-position)
                                                                       (line-end-position)))))
                            (format "diagnostics: %S" (planls-test--flymake-codes)))
        (when d
          (planls-test--check "diagnostic text names source planls"
                              (string-prefix-p "planls" (flymake-diagnostic-text d))
                              (flymake-diagnostic-text d))
          (planls-test--check "planls-rules reach the server: PL012 is a note (info)"
                              (eq (flymake-diagnostic-type d) 'eglot-note)
                              (format "%S" (flymake-diagnostic-type d)))))

      ;; 2. xref definition of a `Phase N' reference in START-HERE.md.
      (let* ((sbuf (find-file-noselect (expand-file-name "START-HERE.md" folder)))
             ref-n expected)
        (set-buffer sbuf)
        (planls-test--wait (lambda () eglot--managed-mode) 10)
        (planls-test--check "eglot manages START-HERE.md too" eglot--managed-mode)
        (goto-char (point-min))
        (when (planls-test--check "START-HERE.md mentions a Phase N"
                                  (re-search-forward "Phase \\([0-9]+\\)" nil t))
          (setq ref-n (string-to-number (match-string 1)))
          (goto-char (1+ (match-beginning 0)))
          (setq expected
                (cl-find-if (lambda (n)
                              (and (string-match "\\`\\([0-9]+\\)-.*-plan\\.md\\'" n)
                                   (= (string-to-number (match-string 1 n)) ref-n)))
                            (planls-test--md-files folder)))
          (let* ((files nil)
                 (err (condition-case e
                          (progn
                            (dolist (x (xref-backend-definitions
                                        'eglot (xref-backend-identifier-at-point 'eglot)))
                              (push (expand-file-name (xref-location-group (xref-item-location x)))
                                    files))
                            nil)
                        (error (error-message-string e)))))
            (planls-test--check
             (format "xref definition of Phase %d (START-HERE.md:%d) is %s"
                     ref-n (line-number-at-pos) expected)
             (and expected (member (expand-file-name expected folder) files))
             (or err (format "got %S" files))))))

      ;; 3. Fixing the Priority in the buffer (didChange, sent on save)
      ;; clears the diagnostic.
      (set-buffer plan-buf)
      (when (planls-test--planted-diag)
        (goto-char (point-min))
        (re-search-forward "^\\*\\*Priority:\\*\\* URGENT")
        (replace-match "**Priority:** HIGH" t t)
        (save-buffer)
        (planls-test--check "fixing the Priority clears PL012"
                            (planls-test--wait (lambda () (null (planls-test--planted-diag))) 10)
                            (format "diagnostics: %S" (planls-test--flymake-codes))))

      ;; eglot 1.9 sends `shutdown' with "params": null, then `exit', and
      ;; kills the process right away.
      (let* ((proc (jsonrpc--process server))
             (err (condition-case e (progn (eglot-shutdown server) nil)
                    (error (format "%S" e)))))
        (planls-test--check "eglot-shutdown: the server answers shutdown" (null err) err)
        (planls-test--check "the server process is gone after eglot-shutdown"
                            (planls-test--wait (lambda () (not (process-live-p proc))) 5)))
      (delete-directory tmp t))))

(let ((timer (run-with-timer 90 nil (lambda ()
                                      (planls-test--check "finished within 90 s" nil "timed out")
                                      (planls-test--out "%d passed, %d failed"
                                                        planls-test--passed planls-test--failed)
                                      (kill-emacs 1)))))
  (condition-case e
      (planls-test--run)
    (error (planls-test--check "test ran to the end" nil (error-message-string e))))
  (cancel-timer timer))
(planls-test--out "%d passed, %d failed" planls-test--passed planls-test--failed)
(kill-emacs (if (> planls-test--failed 0) 1 0))

;;; emacs_test.el ends here
