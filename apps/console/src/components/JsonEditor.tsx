import { json, jsonParseLinter } from '@codemirror/lang-json';
import { linter, lintGutter } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import { jsonSchema } from 'codemirror-json-schema';
import { useEffect, useRef } from 'react';

// CodeMirror 6 with JSON and the definition's JSON Schema: completion, hover and lint from the
// schema the API validates with (tag-definitions/definition.schema.json).
export default function JsonEditor({
  value,
  onChange,
  schema,
  label,
  readOnly = false,
}: {
  value: string;
  onChange?: (value: string) => void;
  schema?: object;
  label: string;
  readOnly?: boolean;
}) {
  const element = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const changed = useRef(onChange);
  changed.current = onChange;

  useEffect(() => {
    if (!element.current) return;
    const extensions = [
      basicSetup,
      ...(schema ? jsonSchema(schema as never) : [json(), linter(jsonParseLinter())]),
      lintGutter(),
      EditorView.lineWrapping,
      EditorState.readOnly.of(readOnly),
      EditorView.contentAttributes.of({ 'aria-label': label }),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) changed.current?.(update.state.doc.toString());
      }),
    ];
    const instance = new EditorView({
      parent: element.current,
      state: EditorState.create({ doc: value, extensions }),
    });
    view.current = instance;
    return () => {
      instance.destroy();
      view.current = null;
    };
    // The editor is created once per schema; later value changes from outside are applied below.
  }, [schema, readOnly, label]);

  useEffect(() => {
    const instance = view.current;
    if (instance && instance.state.doc.toString() !== value) {
      instance.dispatch({ changes: { from: 0, to: instance.state.doc.length, insert: value } });
    }
  }, [value]);

  return <div ref={element} className="json-editor" data-testid="json-editor" />;
}
