// A modal confirmation on the native <dialog>: it traps focus, closes on Escape and restores focus afterwards.
import { useEffect, useRef } from "react";

export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: React.ReactNode;
  confirmLabel: string;
  /** The button that closes it doing nothing (default "Cancel"). */
  cancelLabel?: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return (
    <dialog ref={ref} aria-labelledby="confirm-title" onClose={props.onCancel}>
      <h2 id="confirm-title">{props.title}</h2>
      <div>{props.children}</div>
      <form method="dialog" className="actions">
        <button type="submit" value="cancel">
          {props.cancelLabel ?? "Cancel"}
        </button>
        <button
          type="button"
          className="danger"
          onClick={() => {
            props.onConfirm();
          }}
        >
          {props.confirmLabel}
        </button>
      </form>
    </dialog>
  );
}
