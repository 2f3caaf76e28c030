import { useEffect, useRef, useState } from "react";
import { useAuth } from "../auth/AuthContext";

export type LiveStatus = "off" | "connecting" | "live" | "closed";

/**
 * The tenant's live events over WebSocket /api/v1/ws. The token goes in the
 * first message, never in the URL (URLs end up in logs); a fresh token is
 * sent again whenever the session renews it, so the socket outlives tokens.
 */
export function useLiveEvents(enabled: boolean, onMessage: (msg: Record<string, unknown>) => void): LiveStatus {
  const { session } = useAuth();
  const token = session.token;
  const [status, setStatus] = useState<LiveStatus>("off");
  const socket = useRef<WebSocket | null>(null);
  const handler = useRef(onMessage);
  useEffect(() => {
    handler.current = onMessage;
  }, [onMessage]);

  useEffect(() => {
    if (!enabled) return;
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${window.location.host}/api/v1/ws`);
    socket.current = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: "auth", token: session.token }));
    ws.onmessage = (e) => {
      let msg: unknown;
      try {
        msg = JSON.parse(String(e.data));
      } catch {
        return;
      }
      if (typeof msg !== "object" || msg === null) return;
      const m = msg as Record<string, unknown>;
      if (m.type === "ready") setStatus("live");
      else handler.current(m);
    };
    // A socket closed by the cleanup below is no longer current: it reports nothing.
    ws.onclose = () => {
      if (socket.current === ws) setStatus("closed");
    };
    return () => {
      socket.current = null;
      ws.close();
      setStatus("off");
    };
    // The token is read when the socket opens; renewals are sent below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [enabled]);

  useEffect(() => {
    const ws = socket.current;
    if (ws && ws.readyState === WebSocket.OPEN && token) ws.send(JSON.stringify({ type: "auth", token }));
  }, [token]);
  if (!enabled) return "off";
  return status === "off" ? "connecting" : status;
}
