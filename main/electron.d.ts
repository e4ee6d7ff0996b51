/**
 * The part of Electron's API that main/ uses, declared by hand: the `electron` npm package
 * cannot be installed here (its postinstall downloads the binary from GitHub, which is not
 * reachable), and its types come only with it. Signatures follow Electron 45's documentation;
 * where the binary exists, test/integration/electron-app.test.ts runs the real thing.
 */
declare module 'electron' {
  interface Rectangle { x: number; y: number; width: number; height: number }
  interface Display { id: number; bounds: Rectangle; workArea: Rectangle; internal?: boolean }

  interface WebFrameMain { url: string; parent: WebFrameMain | null }
  interface WebContents {
    readonly id: number;
    send(channel: string, ...args: unknown[]): void;
    on(event: 'will-navigate' | 'will-redirect', listener: (event: { preventDefault(): void; url: string }, url: string) => void): this;
    on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): this;
    on(event: 'did-finish-load', listener: () => void): this;
    on(event: 'render-process-gone', listener: (event: unknown, details: { reason: string }) => void): this;
    setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' } | { action: 'allow' }): void;
    print(options: { silent?: boolean; printBackground?: boolean; deviceName?: string }, callback?: (success: boolean, failureReason: string) => void): void;
    executeJavaScript(code: string): Promise<unknown>;
    getLastWebPreferences(): Record<string, unknown> | null;
    isDestroyed(): boolean;
  }

  interface BrowserWindowConstructorOptions {
    [key: string]: unknown;
    webPreferences?: Record<string, unknown>;
  }
  class BrowserWindow {
    constructor(options: BrowserWindowConstructorOptions);
    readonly id: number;
    readonly webContents: WebContents;
    loadURL(url: string): Promise<void>;
    once(event: 'ready-to-show', listener: () => void): this;
    on(event: 'closed', listener: () => void): this;
    show(): void;
    showInactive(): void;
    close(): void;
    destroy(): void;
    focus(): void;
    restore(): void;
    isMinimized(): boolean;
    isDestroyed(): boolean;
    setBounds(bounds: Partial<Rectangle>): void;
    setFullScreen(flag: boolean): void;
    static getAllWindows(): BrowserWindow[];
  }

  interface IpcMainInvokeEvent { sender: WebContents; senderFrame: WebFrameMain | null }
  interface IpcMainEvent extends IpcMainInvokeEvent { returnValue: unknown }

  interface Session {
    setPermissionRequestHandler(handler: ((webContents: WebContents, permission: string, callback: (granted: boolean) => void) => void) | null): void;
    setPermissionCheckHandler(handler: ((webContents: WebContents | null, permission: string) => boolean) | null): void;
    setDevicePermissionHandler?(handler: (details: unknown) => boolean): void;
  }

  interface UtilityProcess {
    readonly pid: number | undefined;
    readonly stdout: NodeJS.ReadableStream | null;
    readonly stderr: NodeJS.ReadableStream | null;
    kill(): boolean;
    on(event: 'exit', listener: (code: number) => void): this;
    once(event: 'exit', listener: (code: number) => void): this;
  }

  export const app: {
    readonly isPackaged: boolean;
    getAppPath(): string;
    requestSingleInstanceLock(): boolean;
    whenReady(): Promise<void>;
    quit(): void;
    exit(code?: number): void;
    enableSandbox(): void;
    on(event: 'second-instance' | 'window-all-closed' | 'before-quit' | 'will-quit', listener: (...args: unknown[]) => void): void;
    on(event: 'web-contents-created', listener: (event: unknown, contents: WebContents) => void): void;
  };
  export const screen: {
    getAllDisplays(): Display[];
    getPrimaryDisplay(): Display;
    on(event: 'display-added' | 'display-removed', listener: () => void): void;
  };
  export const ipcMain: {
    handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void;
    on(channel: string, listener: (event: IpcMainEvent, ...args: unknown[]) => void): void;
  };
  export const protocol: {
    registerSchemesAsPrivileged(schemes: { scheme: string; privileges: Record<string, boolean> }[]): void;
    handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void;
  };
  export const session: { defaultSession: Session };
  export const net: { fetch(url: string): Promise<Response> };
  export const dialog: { showErrorBox(title: string, content: string): void };
  export const utilityProcess: {
    fork(modulePath: string, args?: string[], options?: { env?: NodeJS.ProcessEnv; stdio?: 'pipe' | 'inherit' | 'ignore'; serviceName?: string; cwd?: string }): UtilityProcess;
  };
  export { BrowserWindow };
  export type { Display, IpcMainInvokeEvent, Rectangle, Session, UtilityProcess, WebContents };
}
